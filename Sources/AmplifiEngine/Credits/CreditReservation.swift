/// What ``CreditMeter/reserve(orgID:campaignID:batchID:credits:)`` did with a batch.
public enum CreditReservation: Sendable, Equatable {
    /// The batch was charged now: the organization's balance right after the debit and
    /// the campaign's `credits_used` after adding it (nil for a charge of no campaign, e.g. a
    /// manual reply).
    case charged(balanceAfter: Int64, campaignCreditsUsed: Int64?)
    /// The batch had been charged before (a retry): nothing was charged this time.
    case alreadyCharged
}
