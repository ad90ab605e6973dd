public import Foundation

/// Who a campaign goes to: a saved segment or an ad-hoc filter (never both).
public enum CampaignAudience: Sendable, Equatable {
    /// A saved segment of the same organization.
    case segment(UUID)
    /// An ad-hoc filter (the contacts filter language).
    case filter(ContactFilter)
}
