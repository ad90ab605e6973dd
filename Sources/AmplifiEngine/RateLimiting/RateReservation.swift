import AmplifiMessaging

/// Send slots reserved for one batch on one sender number: when each of its segments
/// may go to the carrier, measured from the moment ``SenderRateLimiter/reserve(orgID:senderID:segments:ratePerSecond:burst:maxWait:)``
/// returned — or, exactly, on the Redis server's clock (the limiter's only clock).
///
/// The simplest use: sleep ``delay`` and send the whole batch. A batch larger than
/// the burst then arrives at the carrier at once; to keep the carrier's queue short,
/// pace it instead — message i (its segments ending at the batch's running total
/// `s_i`) may go after ``delay(throughSegment:)`` of `s_i`.
///
/// ``delay`` is counted from the reply, so a worker that is descheduled between the
/// script and its sleep sends a little late (never early). The exact schedule the fleet
/// obeys is in server time: segment j conforms at
/// `serverTimeMicroseconds + baseMicroseconds + j × intervalMicroseconds`
/// (``serverTimeMicroseconds(throughSegment:)``).
public struct RateReservation: Sendable, Hashable {
    /// Segments reserved.
    public let segments: Int
    /// Microseconds after ``serverTimeMicroseconds`` at which the segment before the
    /// first conforms (segment j conforms at `baseMicroseconds + j × intervalMicroseconds`);
    /// negative when the sender had spare burst.
    public let baseMicroseconds: Int
    /// One segment's share of a second at the sender's rate (1,000,000 / rate).
    public let intervalMicroseconds: Double
    /// The Redis server time (`TIME`, µs since 1970) at which the reservation was computed:
    /// segment j conforms at `serverTimeMicroseconds + baseMicroseconds + j × intervalMicroseconds`
    /// server µs. Zero for an empty reservation (zero segments), which makes no round-trip.
    public let serverTimeMicroseconds: Int

    /// A reservation as the reserve script describes it.
    public init(segments: Int, baseMicroseconds: Int, intervalMicroseconds: Double, serverTimeMicroseconds: Int) {
        self.segments = segments
        self.baseMicroseconds = baseMicroseconds
        self.intervalMicroseconds = intervalMicroseconds
        self.serverTimeMicroseconds = serverTimeMicroseconds
    }

    /// How long to wait before the whole batch may be sent (zero when it may go now).
    public var delay: Duration { delay(throughSegment: segments) }

    /// How long to wait before segments 1…`segment` of the batch may be sent (zero
    /// when they may go now).
    public func delay(throughSegment segment: Int) -> Duration {
        let micros = Double(baseMicroseconds) + Double(segment) * intervalMicroseconds
        return micros <= 0 ? .zero : .microseconds(Saturating.int64(micros, rounding: .up))
    }

    /// The Redis server time (µs since 1970, rounded up) at which segments 1…`segment`
    /// of the batch conform — possibly before ``serverTimeMicroseconds`` when the sender
    /// had spare burst.
    public func serverTimeMicroseconds(throughSegment segment: Int) -> Int {
        let micros = Double(baseMicroseconds) + Double(segment) * intervalMicroseconds
        return Saturating.sum(serverTimeMicroseconds, Saturating.int(micros, rounding: .up))
    }
}
