/// How `StatusBackfill` runs: which rows, how many, how fast.
public struct StatusBackfillConfiguration: Sendable {
    /// Rows whose last news (sent, claimed, or last checked) is older than this are polled.
    public var olderThan: Duration
    /// At most this many rows in one run (nil = all candidates).
    public var limit: Int?
    /// At most this many carrier requests per second.
    public var rate: Double
    /// At most this many carrier requests in flight.
    public var concurrency: Int
    /// Rows per page: one candidate query, one apply and one stamp per page.
    public var pageSize: Int
    /// Only `unknown` rows not settled yet (the worker's settle step), not `sent` rows.
    public var onlyUnknown: Bool
    /// An `unknown` row the carrier has no message for is put back to `pending` (and its charge
    /// refunded) once it was claimed this long ago: long enough that the request that may have
    /// created it cannot still be in flight. Before that it is left for the next pass.
    public var settleAfter: Duration
    /// Attempts after which an `unknown` row never created fails (`not_created`) instead of going back.
    public var maxAttempts: Int
    /// Rows sent (or claimed) longer ago than this are no longer polled, only counted (nil: no horizon).
    public var horizon: Duration?
    /// Rows already checked this many times are no longer polled, only counted (nil: no bound).
    public var maxChecks: Int?

    /// A configuration; `rate` and `concurrency` are clamped to sensible minimums (a NaN rate is the default, 10).
    public init(
        olderThan: Duration = .seconds(15 * 60), limit: Int? = nil, rate: Double = 10, concurrency: Int = 4,
        pageSize: Int = 200, onlyUnknown: Bool = false, settleAfter: Duration = .seconds(120),
        maxAttempts: Int = 5, horizon: Duration? = nil, maxChecks: Int? = nil
    ) {
        self.olderThan = olderThan
        self.limit = limit
        self.rate = rate.isNaN ? 10 : max(rate, 0.001)
        self.concurrency = max(concurrency, 1)
        self.pageSize = max(pageSize, 1)
        self.onlyUnknown = onlyUnknown
        self.settleAfter = max(settleAfter, .zero)
        self.maxAttempts = max(maxAttempts, 1)
        self.horizon = horizon.map { max($0, .zero) }
        self.maxChecks = maxChecks.map { max($0, 1) }
    }
}
