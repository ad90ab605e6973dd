/// What the send pipeline does with a message the carrier refused (or later failed).
public enum CarrierErrorDisposition: Hashable, Sendable {
    /// The request was not processed: put the row back and back off fleet-wide for the sender number,
    /// for at least `retryAfter` when the carrier said so.
    case retryBatchLater(retryAfter: Duration?)
    /// The request never left this process (no permit of the carrier account's concurrency budget
    /// came in time): the row goes back to `pending` with its attempt given back and its charge
    /// refunded, and the sender number backs off — the account is busy, the message was not tried.
    case notSent
    /// Retry this row later, up to `maxAttempts` attempts in all, then fail it.
    case retryRow(maxAttempts: Int)
    /// Fail the row for good; optionally mark the contact not textable or opt it out.
    case failRow(markNotTextable: Bool, optOut: Bool)
    /// Pause the campaign with `reason` (`campaigns.status_reason`); the row goes back to pending.
    case pauseCampaign(reason: String)
    /// Fail the row and count it toward the campaign's content-filter error rate, which past a
    /// threshold pauses the campaign with reason `carrier_errors`.
    case contentFiltered
    /// The carrier may have created the message (its answer was lost or unreadable): record the row
    /// `unknown`, keep its debit (no refund) and never resend it blindly. It is settled later by
    /// listing the carrier's messages for its `To` + `From` since the claim: one match is `sent`,
    /// none once the request cannot still be in flight sends it back to `pending`, several keep it
    /// `unknown` for a person.
    case settleLater
}
