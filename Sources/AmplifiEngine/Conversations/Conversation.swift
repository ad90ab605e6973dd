public import AmplifiPostgres
public import Foundation

/// The thread between the organization and one number that texted it (`conversations`), as the
/// inbox lists it: who, the latest message and its direction, and the team's marks.
public struct Conversation: Sendable, Equatable, Encodable {
    /// Whether the contact may be texted, as far as consent goes.
    public struct Consent: Sendable, Equatable {
        public var optedIn: Bool
        /// When consent was recorded by hand, else when the contact was added.
        public var optedInAt: Date?
    }

    /// What a redacted latest message shows instead of its text.
    public static let redactedPreview = "[redacted]"

    public var id: UUID
    /// The contact's number (E.164 normally): what the conversation endpoints are keyed by.
    public var phoneNumber: String
    /// The organization's number of the latest message: its id and E.164.
    public var phoneNumberID: UUID
    public var number: String
    public var contactID: UUID?
    public var firstName: String?
    public var lastName: String?
    /// The first 160 characters of the latest message (empty once redacted).
    public var lastMessage: String
    /// When the latest message's text was removed by the retention window, if it was.
    public var lastMessageRedactedAt: Date?
    public var lastMessageAt: Date
    /// `inbound` (the contact wrote last: it waits for an answer) or `outbound`.
    public var lastMessageDirection: String
    public var messageCount: Int
    public var unreadCount: Int
    public var isArchived: Bool
    public var isStarred: Bool
    /// The contact's consent; nil for a number that is no contact.
    public var consent: Consent?

    /// The preview to show: the text, or ``redactedPreview`` once redacted.
    public var preview: String { lastMessageRedactedAt == nil ? lastMessage : Self.redactedPreview }

    enum CodingKeys: String, CodingKey {
        case id, phoneNumber
        case phoneNumberID = "phoneNumberId"
        case contactID = "contactId"
        case firstName, lastName
        case lastMessage, lastMessageAt, lastMessageDirection, messageCount, unreadCount, isArchived, isStarred
    }

    /// Absent values as null; ids in lower case, timestamps as UTC ISO 8601.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.uuidString.lowercased(), forKey: .id)
        try container.encode(phoneNumber, forKey: .phoneNumber)
        try container.encode(phoneNumberID.uuidString.lowercased(), forKey: .phoneNumberID)
        try container.encode(contactID?.uuidString.lowercased(), forKey: .contactID)
        try container.encode(firstName, forKey: .firstName)
        try container.encode(lastName, forKey: .lastName)
        try container.encode(preview, forKey: .lastMessage)
        try container.encode(UTCTimestamp.format(lastMessageAt), forKey: .lastMessageAt)
        try container.encode(lastMessageDirection, forKey: .lastMessageDirection)
        try container.encode(messageCount, forKey: .messageCount)
        try container.encode(unreadCount, forKey: .unreadCount)
        try container.encode(isArchived, forKey: .isArchived)
        try container.encode(isStarred, forKey: .isStarred)
    }
}

/// One message of a conversation: received from the contact, or sent to them (a campaign message,
/// an automatic reply), newest first in a history.
public struct ConversationMessage: Sendable, Equatable, Encodable {
    /// `i:<uuid>` for a received message, `c:<id>` for a campaign message, `r:<id>` for a reply.
    public var id: String
    /// Whether the contact sent it or was sent it.
    public var direction: Direction
    public var message: String?
    public var mediaURLs: [String]
    /// For an outgoing message, its status (`sent`, `delivered`, `undelivered`, `failed`, …); nil
    /// for an incoming one.
    public var status: MessageStatus?
    /// Where an outgoing message came from; nil for an incoming one.
    public var source: Source?
    /// Whether an incoming message was an opt-out (STOP, …).
    public var optOutDetected: Bool?
    /// When the text was removed by the retention window (then `message` is nil).
    public var redactedAt: Date?
    public var timestamp: Date

    /// Who sent a message (raw values = the API's).
    public enum Direction: String, Sendable, Codable, PostgresDecodable {
        case incoming, outgoing
    }

    /// What sent an outgoing message (raw values = the API's and `reply_messages.kind`).
    public enum Source: String, Sendable, Codable, PostgresDecodable {
        case campaign
        case autoReply = "auto_reply"
        case manualReply = "manual_reply"
        case testSend = "test_send"
    }

    enum CodingKeys: String, CodingKey {
        case id, direction, message
        case mediaURL = "mediaUrl"
        case mediaURLs = "mediaUrls"
        case status, source
        case optOutDetected, timestamp
    }

    /// Absent values as null; the timestamp as UTC ISO 8601.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(direction, forKey: .direction)
        try container.encode(message, forKey: .message)
        try container.encode(mediaURLs.first, forKey: .mediaURL)
        try container.encode(mediaURLs.isEmpty ? nil : mediaURLs, forKey: .mediaURLs)
        try container.encode(status, forKey: .status)
        try container.encode(source, forKey: .source)
        try container.encode(optOutDetected, forKey: .optOutDetected)
        try container.encode(UTCTimestamp.format(timestamp), forKey: .timestamp)
    }
}
