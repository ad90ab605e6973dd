/// The life of a `reply_messages` row (sql/008_replies.sql).
public enum ReplyStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Stored, not handed to the carrier yet (safe to send; a carrier retry also comes back here).
    case pending
    /// Claimed by one process and at the carrier.
    case sending
    /// Accepted by the carrier; no final status yet.
    case sent
    /// Delivered to the handset (a status callback said so).
    case delivered
    /// Accepted, but the carrier could not deliver it to the handset (a status callback said so).
    case undelivered
    /// Refused by the carrier, not paid for, or failed after acceptance.
    case failed
    /// The claim expired mid-send: the carrier may have it, so it is never sent again.
    case unknown
}
