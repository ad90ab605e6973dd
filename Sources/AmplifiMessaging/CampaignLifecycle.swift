/// The campaign state machine, as one table (docs/architecture.md, "Campaign lifecycle").
public enum CampaignLifecycle {
    /// Allowed targets for each status. Every non-final status may also go to `failed` and `canceled`.
    static let transitions: [CampaignStatus: Set<CampaignStatus>] = [
        .draft: [.scheduled, .pending, .failed, .canceled],
        .scheduled: [.pending, .failed, .canceled],
        .pending: [.queued, .paused, .failed, .canceled],
        .queued: [.sending, .paused, .failed, .canceled],
        .sending: [.completed, .paused, .failed, .canceled],
        .paused: [.pending, .failed, .canceled],
        .completed: [],
        .failed: [],
        .canceled: [],
    ]

    /// Sources of each target, precomputed in `CampaignStatus.allCases` order.
    private static let sources: [CampaignStatus: [CampaignStatus]] = {
        var result: [CampaignStatus: [CampaignStatus]] = [:]
        for target in CampaignStatus.allCases {
            result[target] = CampaignStatus.allCases.filter { transitions[$0]?.contains(target) ?? false }
        }
        return result
    }()

    /// Whether the lifecycle allows moving from `from` to `to` (never to the same status).
    public static func canTransition(from: CampaignStatus, to: CampaignStatus) -> Bool {
        transitions[from]?.contains(to) ?? false
    }

    /// The statuses that may move to `target`, for a guarded `UPDATE … WHERE status = ANY($allowed)`.
    public static func allowedSources(to target: CampaignStatus) -> [CampaignStatus] {
        sources[target] ?? []
    }

    /// The statuses `status` may move to, in `allCases` order.
    public static func allowedTargets(from status: CampaignStatus) -> [CampaignStatus] {
        CampaignStatus.allCases.filter { canTransition(from: status, to: $0) }
    }

    /// Throws unless the lifecycle allows moving from `from` to `to`.
    public static func validateTransition(from: CampaignStatus, to: CampaignStatus) throws(CampaignTransitionError) {
        guard canTransition(from: from, to: to) else {
            throw CampaignTransitionError(from: from, to: to)
        }
    }
}
