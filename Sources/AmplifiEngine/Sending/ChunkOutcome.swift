public import AmplifiMessaging

/// What `ChunkSender.process` did with one chunk.
public enum ChunkOutcome: Sendable, Equatable {
    /// The chunk has no pending rows left; `campaignCompleted` is true when this worker moved the campaign to `completed`.
    case finished(campaignCompleted: Bool)
    /// The campaign is not (or no longer) `sending` (paused, canceled, …): processing stopped at a batch boundary.
    case stopped(CampaignStatus)
    /// The chunk's lease was lost (reclaimed by another worker): processing stopped at a batch boundary.
    case leaseLost
    /// The process is shutting down, or another organization was waiting after a time slice:
    /// processing stopped at a claim boundary and the job was queued again.
    case handedBack
}

extension ChunkOutcome {
    /// Every ``metricName``, for registering the series at zero.
    static let metricNames = ["finished", "stopped", "lease_lost", "handed_back"]

    /// The outcome's label in `amplifi_chunks_total`.
    var metricName: String {
        switch self {
        case .finished: "finished"
        case .stopped: "stopped"
        case .leaseLost: "lease_lost"
        case .handedBack: "handed_back"
        }
    }
}
