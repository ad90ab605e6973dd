/// What one backfill run did (printed by `amplifi backfill-status`, also as JSON).
public struct StatusBackfillReport: Sendable, Hashable, Codable {
    /// Rows asked about (successfully or not).
    public var checked = 0
    /// Rows moved, by their new status (`sent` = an `unknown` row settled as sent).
    public var updated: [String: Int] = [:]
    /// Rows the carrier still reports without a final status (queued/sent/...).
    public var pendingAtCarrier = 0
    /// Rows the carrier does not know (fetch answered nothing, or no listed message fits an
    /// `unknown` row that is still within its settle grace): left as they are for now.
    public var notFound = 0
    /// `unknown` rows the carrier has no message for, claimed longer ago than the settle grace: the
    /// request that may have created them cannot still be in flight, so they went back to `pending`
    /// (their charge refunded) to be sent — or `failed` once their attempts ran out.
    public var putBack = 0
    /// `unknown` rows with several listed messages that could be theirs: left `unknown`, never guessed.
    public var ambiguous = 0
    /// Reports the applier staged instead of applying (a sid that contradicts the row's).
    public var kept = 0
    /// Carrier requests that failed (not stamped: the next run asks again).
    public var errors = 0
    /// Rows still without a final status that are no longer polled: older than the horizon, or
    /// checked the most times allowed. Counted at the start of the run.
    public var givenUp = 0
    /// The run stopped early (SIGTERM, SIGINT) at a page boundary; starting it again continues.
    public var interrupted = false

    /// An empty report.
    public init() {}

    /// Rows moved in all.
    public var updatedTotal: Int { updated.values.reduce(0, +) }
}
