public import AmplifiMessaging
public import Foundation

/// A campaign body that passed ``CampaignValidator``: typed, with the organization's
/// defaults applied, ready to be written in one statement.
public struct CampaignSpec: Sendable, Equatable {
    public var name: String
    /// Nil only for a draft.
    public var message: String?
    /// Nil only for a draft.
    public var audience: CampaignAudience?
    /// The requested number, else the organization's default (nil only for a draft when the org has none).
    public var fromPhoneNumberID: UUID?
    public var scheduledFor: Date?
    /// The requested zone, else the organization's.
    public var timezone: String
    public var mediaURL: String?
    public var forceRoute: ForceRoute
    public var channel: CampaignChannel
    public var normalizeText: Bool
    public var abTest: Bool
    public var messageVariantA: String?
    public var messageVariantB: String?
    public var autoReply: Bool
    public var yesResponse: String?
    public var noResponse: String?
    public var faqReplies: [FAQReply]
    /// The draft being promoted, if any.
    public var draftID: UUID?

    /// The status the campaign starts in: `draft` for a draft, `scheduled` when
    /// `scheduledFor` is after `now`, otherwise `pending` (send now).
    public func initialStatus(mode: CampaignIntakeMode, now: Date) -> CampaignStatus {
        if mode == .draft { return .draft }
        if let scheduledFor, scheduledFor > now { return .scheduled }
        return .pending
    }
}
