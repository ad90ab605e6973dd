/// What one backfill run did (printed by `amplifi backfill-status`, also as JSON).
public struct StatusBackfillReport: Sendable, Hashable, Codable {
    /// Rows asked about (successfully or not).
    public var checked = 0
    /// Rows moved, by their new status (`sent` = an `unknown` row settled as sent).
    public var updated: [String: Int] = [:]
    /// Rows the carrier still reports without a final status (queued/sent/...).
    public var pendingAtCarrier = 0
    /// Rows the carrier does not know (fetch answered nothing, or no listed message fits an
    /// `unknown` row): left as they are, never resent.
    public var notFound = 0
    /// `unknown` rows with several listed messages that could be theirs: left `unknown`, never guessed.
    public var ambiguous = 0
    /// Reports the applier staged instead of applying (a sid that contradicts the row's).
    public var kept = 0
    /// Carrier requests that failed (not stamped: the next run asks again).
    public var errors = 0

    /// An empty report.
    public init() {}

    /// Rows moved in all.
    public var updatedTotal: Int { updated.values.reduce(0, +) }
}
