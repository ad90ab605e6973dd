/// The life of a `reply_messages` row (sql/008_replies.sql).
public enum ReplyStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Stored, not handed to the carrier yet (safe to send; a carrier retry also comes back here).
    case pending
    /// Claimed by one process and at the carrier.
    case sending
    /// Accepted by the carrier.
    case sent
    /// Refused by the carrier, or not paid for.
    case failed
    /// The claim expired mid-send: the carrier may have it, so it is never sent again.
    case unknown
}
