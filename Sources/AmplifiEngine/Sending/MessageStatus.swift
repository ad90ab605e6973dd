import AmplifiMessaging
public import AmplifiPostgres

/// The status of one `campaign_messages` row (raw values = the database's): where a recipient's
/// message stands, from planning to its final delivery state.
public enum MessageStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Planned, waiting for a claim.
    case pending
    /// Outside the recipient's quiet hours: waits until `defer_until`.
    case deferred
    /// An A/B holdout row waiting for the winner.
    case held
    /// Claimed by a worker: on its way to the carrier.
    case sending
    /// The message may or may not exist at the carrier: settled against the carrier, never resent blindly.
    case unknown
    /// Accepted by the carrier; no final status yet.
    case sent
    /// Delivered to the handset.
    case delivered
    /// The carrier could not deliver it.
    case undelivered
    /// Refused or failed (not sent, or failed after acceptance).
    case failed
    /// Not sent on purpose: see its ``SkipReason``.
    case skipped
    /// The campaign was canceled before the row was sent.
    case canceled
}

/// Why a row was skipped instead of sent (raw values = `campaign_messages.skip_reason`).
public enum SkipReason: String, Sendable, Hashable, CaseIterable, Codable {
    case optedOut = "opted_out"
    case notTextable = "not_textable"
    case lookupPending = "lookup_pending"
    case invalidPhone = "invalid_phone"
    case noPhone = "no_phone"
    case contactDeleted = "contact_deleted"
}

/// Which text a row gets in an A/B campaign (raw values = `campaign_messages.variant`): one of the
/// two samples, or `main`, the rest of the audience, sent the winner's text once it is chosen.
public enum MessageVariant: String, Sendable, Hashable, CaseIterable, Codable {
    case a = "A"
    case b = "B"
    case main
}

extension MessageEncoding {
    /// The value stored in `campaign_messages.encoding` (`GSM7` / `UCS2`).
    var databaseValue: String {
        switch self {
        case .gsm7: "GSM7"
        case .ucs2: "UCS2"
        }
    }
}

extension MessageStatus: PostgresDecodable {}
extension SkipReason: PostgresDecodable {}
extension MessageVariant: PostgresDecodable {}
