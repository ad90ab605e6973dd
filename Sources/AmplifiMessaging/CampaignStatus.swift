/// A campaign's lifecycle status, with the raw values stored in the database.
public enum CampaignStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Being composed; not yet submitted.
    case draft
    /// Approved; waits for `scheduledFor`.
    case scheduled
    /// Submitted; waits for queue admission.
    case pending
    /// Admitted; messages being generated.
    case queued
    /// Messages being dispatched.
    case sending
    /// All messages sent or failed. Final.
    case completed
    /// Fatal error. Final.
    case failed
    /// Stopped mid-campaign; can be resumed.
    case paused
    /// Stopped for good by ops. Final.
    case canceled

    /// Whether no transition leaves this status (completed, failed, canceled).
    public var isFinal: Bool {
        CampaignLifecycle.transitions[self]?.isEmpty ?? true
    }
}
