/// The behavior of a `SimulatedCarrier`: latency, failure injection and the seed that makes it repeatable.
///
/// Rates are probabilities in 0…1. Recipient-bound failures (invalid number 21211, opted out at the
/// carrier 21610, content filtered 30007) are decided by a hash of the seed and the recipient (and body,
/// for the filter), so retrying the same message gets the same answer, as from a real carrier.
/// Per-request failures (429 / 20429, unreachable 30003) and ambiguous answers are drawn afresh on
/// every attempt.
public struct SimulatedCarrierConfiguration: Hashable, Sendable {
    /// How long each batch takes.
    public var latency: SimulatedLatency
    /// Share of recipients whose number is invalid (21211, permanent).
    public var permanentFailureRate: Double
    /// Share of recipients who opted out at the carrier (21610).
    public var optedOutRate: Double
    /// Share of (recipient, body) pairs the carrier filters (30007).
    public var contentFilterRate: Double
    /// Share of attempts that find the handset unreachable (30003, retryable a few times).
    public var transientFailureRate: Double
    /// Share of attempts refused with HTTP 429 / 20429.
    public var rateLimitRate: Double
    /// The `Retry-After` the 429s carry (nil: none).
    public var rateLimitRetryAfter: Duration?
    /// Share of attempts the carrier creates (logged, listed and fetchable like any accepted message)
    /// but whose answer is lost: the sender gets `.failed` with `response_timeout` (class `ambiguous`),
    /// as when a real carrier's answer never arrives. Drawn only for attempts that would be accepted.
    public var ambiguousRate: Double
    /// The seed of every random draw.
    public var seed: UInt64
    /// Whether to keep the send log (turn off for long benchmarks: it grows with every message).
    public var recordsLog: Bool

    /// A configuration; the defaults answer at once and never fail.
    public init(
        latency: SimulatedLatency = .none, permanentFailureRate: Double = 0, optedOutRate: Double = 0,
        contentFilterRate: Double = 0, transientFailureRate: Double = 0, rateLimitRate: Double = 0,
        rateLimitRetryAfter: Duration? = .seconds(1), ambiguousRate: Double = 0, seed: UInt64 = 0,
        recordsLog: Bool = true
    ) {
        self.latency = latency
        self.permanentFailureRate = permanentFailureRate
        self.optedOutRate = optedOutRate
        self.contentFilterRate = contentFilterRate
        self.transientFailureRate = transientFailureRate
        self.rateLimitRate = rateLimitRate
        self.rateLimitRetryAfter = rateLimitRetryAfter
        self.ambiguousRate = ambiguousRate
        self.seed = seed
        self.recordsLog = recordsLog
    }
}
