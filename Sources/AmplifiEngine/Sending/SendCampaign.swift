import AmplifiMessaging
import Foundation

/// The facts of a campaign the send pipeline needs, read once per chunk, with its templates parsed once.
struct SendCampaign: Sendable {
    var status: CampaignStatus
    var message: MergeTemplate?
    var variantA: MergeTemplate?
    var variantB: MergeTemplate?
    /// `A`/`B` once decided: the body of `main` rows.
    var abWinner: MessageVariant?
    var mediaURL: String?
    var forceRoute: ForceRoute
    var normalizeText: Bool
    var campaignTimeZone: String?
    var organizationTimeZone: String?
    var policy: QuietHoursPolicy
    var senderID: UUID
    var from: PhoneNumber
    /// The sender number's rate in segments per second.
    var mps: Double

    /// The template for a row's variant (`A`, `B`, `main` = the winner's, nil = the message).
    func template(variant: MessageVariant?) -> MergeTemplate? {
        switch variant {
        case .a: variantA ?? message
        case .b: variantB ?? message
        case .main:
            switch abWinner {
            case .a: variantA ?? message
            case .b: variantB ?? message
            case .main, nil: message
            }
        case nil: message
        }
    }

    /// Parses a stored template. Unknown fields were rejected when the campaign was created, so every
    /// name in the template is accepted here as a custom key (the keys present).
    static func parse(_ source: String?) -> MergeTemplate? {
        guard let source, !source.isEmpty else { return nil }
        return try? MergeTemplate(parsing: source, customFieldKeys: tagNames(in: source))
    }

    /// The names inside `{{…}}` tags (before any `|fallback`), trimmed.
    static func tagNames(in source: String) -> Set<String> {
        var names = Set<String>()
        var rest = source[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            let content = rest[open.upperBound..<close.lowerBound]
            let name = content.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty { names.insert(trimmed) }
            rest = rest[close.upperBound...]
        }
        return names
    }
}
