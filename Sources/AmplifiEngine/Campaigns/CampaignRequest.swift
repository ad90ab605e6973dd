public import Foundation

/// The body of `POST /api/campaigns` and `POST /api/campaigns/draft` (docs/product-rules.md#campaigns), as sent:
/// every field optional and not yet checked against the rules (``CampaignValidator`` does that).
///
/// Build it with ``parse(json:)`` from raw JSON (unknown keys and wrong JSON types are
/// reported per field), or directly from code.
public struct CampaignRequest: Sendable, Equatable {
    /// Display name.
    public var name: String?
    /// Message template with merge fields.
    public var message: String?
    /// A saved segment as audience (exclusive with `contactFilter`).
    public var segmentID: UUID?
    /// An ad-hoc audience filter, as the JSON object that was sent (checked by `ContactFilter.parse`).
    public var contactFilter: Data?
    /// The sender; the organization's default number when absent.
    public var fromPhoneNumberID: UUID?
    /// When to send, as written (UTC ISO-8601, e.g. `2026-05-01T14:00:00Z`).
    public var scheduledFor: String?
    /// IANA time zone for quiet hours; the organization's when absent.
    public var timezone: String?
    /// Public http(s) URL of media (makes the campaign MMS).
    public var mediaURL: String?
    /// `AUTO`, `SMS` or `MMS`, as written.
    public var forceRoute: String?
    /// Channel; only `text` exists.
    public var channel: String?
    /// Replace smart quotes and similar characters (default true).
    public var normalizeText: Bool?
    /// A/B test with `messageVariantA` and `messageVariantB`.
    public var abTest: Bool?
    /// Variant A body (5% sample).
    public var messageVariantA: String?
    /// Variant B body (5% sample).
    public var messageVariantB: String?
    /// Automatic replies on.
    public var autoReply: Bool?
    /// Reply to an affirmative answer.
    public var yesResponse: String?
    /// Reply to a negative answer.
    public var noResponse: String?
    /// Up to 5 question/answer pairs.
    public var faqReplies: [FAQReply]?
    /// A draft to promote in place instead of creating a new campaign.
    public var draftID: UUID?

    /// The JSON keys the body may contain (docs/product-rules.md#campaigns).
    public static let knownKeys: Set<String> = [
        "name", "message", "segmentId", "contactFilter", "fromPhoneNumberId", "scheduledFor", "timezone",
        "mediaUrl", "forceRoute", "channel", "normalizeText", "abTest", "messageVariantA", "messageVariantB",
        "autoReply", "yesResponse", "noResponse", "faqReplies", "draftId",
    ]

    /// An empty request (every field absent).
    public init() {}

    /// The keys whose value is present (not absent, not null), used to lay a promotion body over its draft.
    public var presentKeys: Set<String> {
        var keys: Set<String> = []
        func mark(_ key: String, _ present: Bool) { if present { keys.insert(key) } }
        mark("name", name != nil)
        mark("message", message != nil)
        mark("segmentId", segmentID != nil)
        mark("contactFilter", contactFilter != nil)
        mark("fromPhoneNumberId", fromPhoneNumberID != nil)
        mark("scheduledFor", scheduledFor != nil)
        mark("timezone", timezone != nil)
        mark("mediaUrl", mediaURL != nil)
        mark("forceRoute", forceRoute != nil)
        mark("channel", channel != nil)
        mark("normalizeText", normalizeText != nil)
        mark("abTest", abTest != nil)
        mark("messageVariantA", messageVariantA != nil)
        mark("messageVariantB", messageVariantB != nil)
        mark("autoReply", autoReply != nil)
        mark("yesResponse", yesResponse != nil)
        mark("noResponse", noResponse != nil)
        mark("faqReplies", faqReplies != nil)
        mark("draftId", draftID != nil)
        return keys
    }

    /// This request's present fields laid over `base` (a stored draft): what a promotion validates and writes.
    ///
    /// A body that names a segment replaces the draft's filter and vice versa, so that
    /// switching the audience kind does not produce "both".
    public func overlaying(_ base: CampaignRequest) -> CampaignRequest {
        var merged = base
        if let name { merged.name = name }
        if let message { merged.message = message }
        if segmentID != nil || contactFilter != nil {
            merged.segmentID = segmentID
            merged.contactFilter = contactFilter
        }
        if let fromPhoneNumberID { merged.fromPhoneNumberID = fromPhoneNumberID }
        if let scheduledFor { merged.scheduledFor = scheduledFor }
        if let timezone { merged.timezone = timezone }
        if let mediaURL { merged.mediaURL = mediaURL }
        if let forceRoute { merged.forceRoute = forceRoute }
        if let channel { merged.channel = channel }
        if let normalizeText { merged.normalizeText = normalizeText }
        if let abTest { merged.abTest = abTest }
        if let messageVariantA { merged.messageVariantA = messageVariantA }
        if let messageVariantB { merged.messageVariantB = messageVariantB }
        if let autoReply { merged.autoReply = autoReply }
        if let yesResponse { merged.yesResponse = yesResponse }
        if let noResponse { merged.noResponse = noResponse }
        if let faqReplies { merged.faqReplies = faqReplies }
        merged.draftID = draftID
        return merged
    }
}
