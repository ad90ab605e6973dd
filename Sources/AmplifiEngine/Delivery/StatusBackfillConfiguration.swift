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

    /// A configuration; `rate` and `concurrency` are clamped to sensible minimums.
    public init(
        olderThan: Duration = .seconds(15 * 60), limit: Int? = nil, rate: Double = 10, concurrency: Int = 4,
        pageSize: Int = 200
    ) {
        self.olderThan = olderThan
        self.limit = limit
        self.rate = max(rate, 0.001)
        self.concurrency = max(concurrency, 1)
        self.pageSize = max(pageSize, 1)
    }
}
