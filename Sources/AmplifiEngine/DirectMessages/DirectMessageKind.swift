public import AmplifiPostgres

/// What a `reply_messages` row is: an automatic reply to an inbound message, or a test send of a
/// campaign through the API. Both travel the same path (``ReplySender``); the kind names the
/// credit batch and the log lines.
public enum DirectMessageKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A campaign's automatic answer to a contact's message (yes, no, an FAQ).
    case autoReply = "auto_reply"
    /// `POST /api/campaigns/{id}/test`: the campaign's message to a few numbers of the team.
    case testSend = "test_send"

    /// How log lines name it.
    var logName: String {
        switch self {
        case .autoReply: "auto-reply"
        case .testSend: "test send"
        }
    }
}

extension DirectMessageKind: PostgresDecodable {}
