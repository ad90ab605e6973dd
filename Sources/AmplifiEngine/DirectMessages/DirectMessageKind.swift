public import AmplifiPostgres

/// What a `reply_messages` row is: an automatic reply to an inbound message, a test send of a
/// campaign through the API, or a reply the team wrote. Both travel the same path (``ReplySender``); the kind names the
/// credit batch and the log lines.
public enum DirectMessageKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A campaign's automatic answer to a contact's message (yes, no, an FAQ).
    case autoReply = "auto_reply"
    /// `POST /api/campaigns/{id}/test`: the campaign's message to a few numbers of the team.
    case testSend = "test_send"
    /// `POST /api/conversations/{phone}/reply`: the team answering a conversation, ahead of
    /// campaign traffic on its number.
    case manualReply = "manual_reply"

    /// How log lines name it.
    var logName: String {
        switch self {
        case .autoReply: "auto-reply"
        case .testSend: "test send"
        case .manualReply: "manual reply"
        }
    }

    /// The prefix of its credit batch (`<prefix>:<id>`) when it answers no inbound message.
    var batchPrefix: String {
        switch self {
        case .autoReply: "reply"
        case .testSend: "test"
        case .manualReply: "manual"
        }
    }

    /// Whether it goes ahead of campaign traffic on its number (the sender's rate limiter's
    /// priority lane): a person is waiting for it.
    var isPriority: Bool { self == .manualReply }
}

extension DirectMessageKind: PostgresDecodable {}
