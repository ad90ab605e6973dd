/// A campaign's progress counters (bumped once per batch by the workers) and credits spent.
public struct CampaignCounters: Sendable, Equatable, Codable {
    public var audience: Int64 = 0
    public var skipped: Int64 = 0
    public var queued: Int64 = 0
    public var sent: Int64 = 0
    public var failed: Int64 = 0
    public var delivered: Int64 = 0
    public var undelivered: Int64 = 0
    public var replies: Int64 = 0
    public var optOuts: Int64 = 0
    public var creditsUsed: Int64 = 0

    /// All zero.
    public init() {}
}
