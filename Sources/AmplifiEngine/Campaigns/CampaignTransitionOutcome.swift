public import AmplifiMessaging
public import Foundation

/// The result of one guarded status change: it won, or it lost (and why).
public enum CampaignTransitionOutcome: Sendable, Equatable {
    /// This caller's UPDATE changed the row.
    case won
    /// The campaign was not in a status that may move to the target; `current` is what it was just after.
    case lost(current: CampaignStatus)
    /// No such campaign in this organization.
    case notFound

    /// Whether this caller won.
    public var won: Bool { self == .won }

    /// The error for a lost transition (`INVALID_TRANSITION` naming the current status, or
    /// `NOT_FOUND`); nil when it won.
    public func error(campaignID: UUID, to target: CampaignStatus) -> EngineError? {
        switch self {
        case .won:
            return nil
        case .lost(let current):
            let detail =
                current == target
                ? "campaign is already \(current.rawValue)"
                : CampaignTransitionError(from: current, to: target).message
            return EngineError(.invalidTransition, detail, field: "status")
        case .notFound:
            return EngineError(
                .notFound, "no campaign \(campaignID.uuidString.lowercased()) in this organization", field: "id")
        }
    }
}
