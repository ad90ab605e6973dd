public import Foundation

/// How a `ChunkSender` works: its name, batch size, retry limit, lease heartbeat and clock.
public struct ChunkSenderConfiguration: Sendable {
    /// Written to `campaign_messages.claimed_by`, so a dead worker's rows can be found.
    public var workerID: String
    /// Rows claimed, charged, rate-limited, sent and recorded together.
    public var batchSize: Int
    /// Attempts after which a row refused with `retryBatchLater` is failed (rows refused with
    /// `retryRow` use the carrier error table's own limit).
    public var maxAttempts: Int
    /// How long each batch extends the chunk's lease, in seconds of Redis server time.
    public var leaseSeconds: Double
    /// The backoff of a sender number after a 429 / 5xx without `Retry-After`.
    public var defaultBackOff: Duration
    /// Pause the campaign with reason `carrier_errors` when at least `rate` of a batch of at least
    /// `minimumBatch` messages is content-filtered (30007); nil: never.
    public var contentFilterPause: (rate: Double, minimumBatch: Int)?
    /// The status callback base URL; the message id is appended (`<base>/<id>`). Nil: no callbacks.
    public var statusCallbackBaseURL: String?
    /// The clock of quiet-hours decisions (injectable for tests); credits and rate limits use the servers' clocks.
    public var now: @Sendable () -> Date

    /// A configuration; only the worker id is required.
    public init(
        workerID: String, batchSize: Int = 100, maxAttempts: Int = 5, leaseSeconds: Double = 60,
        defaultBackOff: Duration = .seconds(1), contentFilterPause: (rate: Double, minimumBatch: Int)? = (0.05, 20),
        statusCallbackBaseURL: String? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.workerID = workerID
        self.batchSize = max(1, batchSize)
        self.maxAttempts = max(1, maxAttempts)
        self.leaseSeconds = leaseSeconds
        self.defaultBackOff = defaultBackOff
        self.contentFilterPause = contentFilterPause
        self.statusCallbackBaseURL = statusCallbackBaseURL
        self.now = now
    }
}
