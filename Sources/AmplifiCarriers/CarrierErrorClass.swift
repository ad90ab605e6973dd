/// The classes of the carrier error table (one per row; docs/architecture.md, "Carrier errors").
public enum CarrierErrorClass: String, Hashable, Sendable, CaseIterable {
    /// Not processed, retry the request: HTTP 429 / 20429, 5xx, or a request that never left
    /// (connection refused, connect timeout, no pooled connection in time).
    case retryableRequest = "retryable_request"
    /// The request left but its answer was lost or unreadable, so the message may exist at the
    /// carrier (a read timeout or reset after the request was written, an unreadable 2xx): never
    /// resend blindly, settle it by listing the carrier's messages.
    case ambiguous
    /// The sender's queue at the carrier is full (21611, 30001): retry later, slow the number down.
    case senderQueueFull = "sender_queue_full"
    /// Unreachable or unknown (30003, 30008): retry a few times, then fail the row.
    case unreachable
    /// Permanent for the recipient (21211, 21614, 30005, 30006).
    case permanentForRecipient = "permanent_for_recipient"
    /// The recipient opted out at the carrier (21610).
    case optedOutAtCarrier = "opted_out_at_carrier"
    /// An account or country setting (21408): pause the campaign.
    case accountSetting = "account_setting"
    /// The sender or the credentials are unusable (20003, 21212, 21606, 21660): pause the campaign.
    case senderOrCredentials = "sender_or_credentials"
    /// Content filtered by the carrier (30007).
    case contentFiltered = "content_filtered"
    /// A code the table does not know: fail the row, keep the code.
    case unknown
}
