public import Foundation

/// How a `ChunkSender` works: its name, batch size, claim horizon and pacing, retry limit, lease
/// heartbeat and clock.
public struct ChunkSenderConfiguration: Sendable {
    /// The longest claim horizon accepted: a claim is held about this long plus one carrier request.
    public static let maximumClaimHorizon: Duration = .seconds(10)
    /// Written to `campaign_messages.claimed_by`, so a dead worker's rows can be found.
    public var workerID: String
    /// The most rows claimed, charged, sent and recorded together (a slow sender number claims fewer:
    /// see `claimHorizon`).
    public var batchSize: Int
    /// A claim takes only what the sender number may send within this horizon, after its rate was
    /// reserved: a 1 msg/s long code claims one message at a time, a 100 msg/s short code up to
    /// `batchSize`. So no claim is held while waiting for the rate limiter, and a claim's life is
    /// bounded by this horizon plus one carrier request, whatever the number's rate.
    public var claimHorizon: Duration
    /// The sender number's burst, in seconds of its rate (at least one segment): how far ahead of the
    /// plain rate the carrier may receive a number's messages.
    public var burstSeconds: Double
    /// Within a paced batch, pause/cancel and opt-outs are read again before a message leaves when the
    /// last read is older than this.
    public var recheckInterval: Duration
    /// How late after its slot a message the rate limiter paced (a slot more than this after the
    /// claim was ready) may still leave: one that gets no carrier permit by then goes back to
    /// `pending` unsent, its attempt given back, instead of leaving together with the ones behind it
    /// once permits free up. Messages due at once (a burst, a number faster than the claim) wait for
    /// permits as long as the permit wait allows: bunching them costs the number nothing.
    public var lateTolerance: Duration
    /// How long the results of a batch are retried (Postgres down) before the rows are left to the
    /// sweeper and the settle step (they are `sending`: never resent blindly).
    public var recordDeadline: Duration
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
    /// After holding one chunk this long, a sender loop hands it back (its rows stay `pending`, the
    /// job goes to the back of its organization's queue) when another organization has jobs waiting
    /// with fewer in flight, so a big campaign cannot keep a small one waiting for whole chunks.
    /// 500 ms by default; nil: a loop keeps its chunk to the end.
    public var timeSlice: Duration?
    /// The status callback base URL (`<public url>/twilio/status`); each message's callback is
    /// `<base>/<org id>/<message id>` (``statusCallbackURL(orgID:messageID:)``). Nil: no callbacks.
    public var statusCallbackBaseURL: String?
    /// The clock of quiet-hours decisions (injectable for tests); credits and rate limits use the servers' clocks.
    public var now: @Sendable () -> Date

    /// A configuration; only the worker id is required.
    public init(
        workerID: String, batchSize: Int = 100, claimHorizon: Duration = .seconds(1), burstSeconds: Double = 1,
        recheckInterval: Duration = .milliseconds(500), lateTolerance: Duration = .milliseconds(100),
        recordDeadline: Duration = .seconds(60),
        maxAttempts: Int = 5, leaseSeconds: Double = 60,
        defaultBackOff: Duration = .seconds(1), contentFilterPause: (rate: Double, minimumBatch: Int)? = (0.05, 20),
        statusCallbackBaseURL: String? = nil, timeSlice: Duration? = .milliseconds(500),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.workerID = workerID
        self.batchSize = max(1, batchSize)
        self.claimHorizon = min(max(claimHorizon, .milliseconds(50)), Self.maximumClaimHorizon)
        self.burstSeconds = burstSeconds.isFinite ? min(max(burstSeconds, 0), 60) : 1
        self.recheckInterval = max(recheckInterval, .milliseconds(10))
        self.lateTolerance = max(lateTolerance, .milliseconds(10))
        self.recordDeadline = max(recordDeadline, .seconds(1))
        self.maxAttempts = max(1, maxAttempts)
        self.leaseSeconds = leaseSeconds
        self.defaultBackOff = defaultBackOff
        self.contentFilterPause = contentFilterPause
        self.statusCallbackBaseURL = statusCallbackBaseURL
        self.timeSlice = timeSlice.map { max($0, .milliseconds(50)) }
        self.now = now
    }

    /// The status callback URL of one message (``StatusCallbackTarget/url(base:orgID:messageID:)``),
    /// nil when callbacks are off.
    public func statusCallbackURL(orgID: UUID, messageID: Int64) -> String? {
        statusCallbackBaseURL.map { StatusCallbackTarget.url(base: $0, orgID: orgID, messageID: messageID) }
    }

    /// How many rows one claim takes on a number sending `ratePerSecond` segments per second whose
    /// messages have `segmentsPerMessage` segments on average: what fits in `claimHorizon`, at least
    /// one, at most `batchSize`.
    public func claimLimit(ratePerSecond: Double, segmentsPerMessage: Double) -> Int {
        let perMessage = segmentsPerMessage.isFinite ? max(1, segmentsPerMessage) : 1
        let fits = ratePerSecond * claimHorizon.asSeconds / perMessage
        if fits >= Double(batchSize) { return batchSize }
        return fits >= 1 ? Int(fits) : 1
    }

    /// The burst of a number sending `ratePerSecond` segments per second, in segments (at least 1).
    public func burst(forRate ratePerSecond: Double) -> Double {
        max(1, ratePerSecond * burstSeconds)
    }

    /// The longest a claimed row stays `sending` when nothing fails: the horizon, one carrier request
    /// (`carrierTimeout`) and the result's write. Independent of the sender's rate; the worker refuses
    /// to start when it is not far below the sweeper's claim lease.
    public func claimHoldBound(carrierTimeout: Duration) -> Duration {
        claimHorizon + carrierTimeout + .seconds(5)
    }
}
