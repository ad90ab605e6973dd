import AmplifiMessaging
import Foundation

/// What the batch's result statement writes for one claimed row (built in memory, written in one round trip).
struct RecordedMessage: Sendable {
    /// What happens to the contact besides the row.
    enum ContactAction: String, Sendable {
        /// `contacts.is_textable = false` (21614 / 30006).
        case markNotTextable = "not_textable"
        /// `contacts.opted_out_at = now()` (21610).
        case optOut = "opt_out"
    }

    var id: Int64
    var contactID: UUID
    /// The claim the row is written under (`campaign_messages.claim_id`): the write is skipped when the
    /// row no longer belongs to it; refunds name its debit.
    var claimID: UUID
    /// The row's new status.
    var status: MessageStatus
    var skipReason: SkipReason? = nil
    var deferUntil: Date? = nil
    var providerMessageID: String? = nil
    var errorCode: String? = nil
    var body: String? = nil
    var encoding: MessageEncoding? = nil
    var segments: Int? = nil
    /// Credits kept for the row (0 after a refund).
    var credits: Int? = nil
    /// Added to `attempt` (-1 when the row goes back without having been tried).
    var attemptDelta: Int = 0
    var contactAction: ContactAction? = nil
    /// Credits charged under the claim to give back with this write (refused by the carrier, or never
    /// handed to it); 0 = nothing to refund.
    var refund: Int = 0
}
