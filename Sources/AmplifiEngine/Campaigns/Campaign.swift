public import AmplifiMessaging
public import Foundation

/// A stored campaign: every field of the campaign body (docs/product-rules.md#campaigns), its status and counters.
///
/// Encodes as the JSON the CLI and API print: the product's camelCase field names plus
/// `id`, `orgId`, `status`, `statusReason`, `counters`, the A/B state and timestamps
/// (UTC ISO-8601 strings).
public struct Campaign: Sendable, Equatable, Encodable {
    public var id: UUID
    public var orgID: UUID
    public var name: String
    public var message: String?
    public var segmentID: UUID?
    public var contactFilter: ContactFilter?
    public var fromPhoneNumberID: UUID?
    public var scheduledFor: Date?
    public var timezone: String?
    public var mediaURL: String?
    public var forceRoute: ForceRoute
    public var channel: CampaignChannel
    public var normalizeText: Bool
    public var abTest: Bool
    public var messageVariantA: String?
    public var messageVariantB: String?
    /// How long the A/B samples run before a winner is decided by reply rate.
    public var abDecideAfterSeconds: Int64
    public var abWinner: String?
    public var abDecidedAt: Date?
    public var autoReply: Bool
    public var yesResponse: String?
    public var noResponse: String?
    public var faqReplies: [FAQReply]
    public var status: CampaignStatus
    public var statusReason: String?
    public var statusChangedAt: Date
    public var counters: CampaignCounters
    public var startedAt: Date?
    public var completedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, message, contactFilter, scheduledFor, timezone
        case orgID = "orgId"
        case segmentID = "segmentId"
        case fromPhoneNumberID = "fromPhoneNumberId"
        case mediaURL = "mediaUrl"
        case forceRoute, channel, normalizeText, abTest, messageVariantA, messageVariantB, abDecideAfterSeconds
        case abWinner, abDecidedAt, autoReply, yesResponse, noResponse, faqReplies, status, statusReason
        case statusChangedAt, counters, startedAt, completedAt, createdAt, updatedAt
    }

    /// Every key is written (null when absent), so scripts see a stable shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        func date(_ value: Date?, _ key: CodingKeys) throws {
            try container.encode(value.map(UTCTimestamp.format), forKey: key)
        }
        func uuid(_ value: UUID?, _ key: CodingKeys) throws {
            try container.encode(value.map { $0.uuidString.lowercased() }, forKey: key)
        }
        try uuid(id, .id)
        try uuid(orgID, .orgID)
        try container.encode(name, forKey: .name)
        try container.encode(message, forKey: .message)
        try uuid(segmentID, .segmentID)
        try container.encode(contactFilter, forKey: .contactFilter)
        try uuid(fromPhoneNumberID, .fromPhoneNumberID)
        try date(scheduledFor, .scheduledFor)
        try container.encode(timezone, forKey: .timezone)
        try container.encode(mediaURL, forKey: .mediaURL)
        try container.encode(forceRoute.rawValue, forKey: .forceRoute)
        try container.encode(channel, forKey: .channel)
        try container.encode(normalizeText, forKey: .normalizeText)
        try container.encode(abTest, forKey: .abTest)
        try container.encode(messageVariantA, forKey: .messageVariantA)
        try container.encode(messageVariantB, forKey: .messageVariantB)
        try container.encode(abDecideAfterSeconds, forKey: .abDecideAfterSeconds)
        try container.encode(abWinner, forKey: .abWinner)
        try date(abDecidedAt, .abDecidedAt)
        try container.encode(autoReply, forKey: .autoReply)
        try container.encode(yesResponse, forKey: .yesResponse)
        try container.encode(noResponse, forKey: .noResponse)
        try container.encode(faqReplies, forKey: .faqReplies)
        try container.encode(status.rawValue, forKey: .status)
        try container.encode(statusReason, forKey: .statusReason)
        try date(statusChangedAt, .statusChangedAt)
        try container.encode(counters, forKey: .counters)
        try date(startedAt, .startedAt)
        try date(completedAt, .completedAt)
        try date(createdAt, .createdAt)
        try date(updatedAt, .updatedAt)
    }

    /// The campaign as a request body (what a promotion lays its own fields over).
    public var asRequest: CampaignRequest {
        var request = CampaignRequest()
        request.name = name
        request.message = message
        request.segmentID = segmentID
        request.contactFilter = contactFilter.map { Data($0.jsonText.utf8) }
        request.fromPhoneNumberID = fromPhoneNumberID
        request.scheduledFor = scheduledFor.map(UTCTimestamp.format)
        request.timezone = timezone
        request.mediaURL = mediaURL
        request.forceRoute = forceRoute.rawValue
        request.channel = channel.rawValue
        request.normalizeText = normalizeText
        request.abTest = abTest
        request.messageVariantA = messageVariantA
        request.messageVariantB = messageVariantB
        request.autoReply = autoReply
        request.yesResponse = yesResponse
        request.noResponse = noResponse
        request.faqReplies = faqReplies
        return request
    }

    /// Pretty or compact JSON with sorted keys (the CLI's `--json`).
    public func jsonText(pretty: Bool = true) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
