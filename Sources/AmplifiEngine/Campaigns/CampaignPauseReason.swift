public import Foundation

/// Why the engine paused a campaign (`campaigns.status_reason`), and what an operator does about it.
public enum CampaignPauseReason {
    /// The organization could not pay for the next claim (no credits, or billing switched off).
    public static let insufficientCredits = "insufficient_credits"

    /// The commands that unblock a campaign paused for `reason`, for a person (the worker's
    /// "campaign paused" line, `amplifi campaign show`); nil when a pause needs no operator.
    public static func unblockHint(reason: String, orgID: UUID, campaignID: UUID) -> String? {
        guard reason == insufficientCredits else { return nil }
        let org = orgID.uuidString.lowercased()
        return "amplifi org credits add \(org) N --reason R (or amplifi org billing \(org) on), "
            + "then amplifi campaign resume \(campaignID.uuidString.lowercased())"
    }
}
