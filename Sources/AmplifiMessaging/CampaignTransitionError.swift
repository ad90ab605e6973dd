/// A campaign status change the lifecycle does not allow.
public struct CampaignTransitionError: AmplifiError, Hashable {
    /// The current status.
    public let from: CampaignStatus
    /// The requested status.
    public let to: CampaignStatus

    /// Creates the error for the refused change.
    public init(from: CampaignStatus, to: CampaignStatus) {
        self.from = from
        self.to = to
    }

    /// Always `INVALID_TRANSITION`.
    public var code: AmplifiErrorCode { .invalidTransition }
    /// The campaign status.
    public var field: String? { "status" }

    /// What is wrong and what is possible instead.
    public var message: String {
        if from.isFinal {
            return "campaign is \(from.rawValue), a final status; it cannot become \(to.rawValue)"
        }
        let allowed = CampaignLifecycle.allowedTargets(from: from).map(\.rawValue).joined(separator: ", ")
        return
            "campaign cannot go from \(from.rawValue) to \(to.rawValue); from \(from.rawValue) it can become: \(allowed)"
    }
}
