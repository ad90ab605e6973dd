/// Send slots reserved for one batch on one sender number: when each of its segments
/// may go to the carrier, measured from the moment ``SenderRateLimiter/reserve(orgID:senderID:segments:ratePerSecond:burst:maxWait:)``
/// returned.
///
/// The simplest use: sleep ``delay`` and send the whole batch. A batch larger than
/// the burst then arrives at the carrier at once; to keep the carrier's queue short,
/// pace it instead — message i (its segments ending at the batch's running total
/// `s_i`) may go after ``delay(throughSegment:)`` of `s_i`.
public struct RateReservation: Sendable, Hashable {
    /// Segments reserved.
    public let segments: Int
    /// Microseconds from now at which the segment before the first conforms
    /// (segment j conforms at `baseMicroseconds + j × intervalMicroseconds`); negative
    /// when the sender had spare burst.
    public let baseMicroseconds: Int
    /// One segment's share of a second at the sender's rate (1,000,000 / rate).
    public let intervalMicroseconds: Double

    /// A reservation as the reserve script describes it.
    public init(segments: Int, baseMicroseconds: Int, intervalMicroseconds: Double) {
        self.segments = segments
        self.baseMicroseconds = baseMicroseconds
        self.intervalMicroseconds = intervalMicroseconds
    }

    /// How long to wait before the whole batch may be sent (zero when it may go now).
    public var delay: Duration { delay(throughSegment: segments) }

    /// How long to wait before segments 1…`segment` of the batch may be sent (zero
    /// when they may go now).
    public func delay(throughSegment segment: Int) -> Duration {
        let micros = Double(baseMicroseconds) + Double(segment) * intervalMicroseconds
        return micros <= 0 ? .zero : .microseconds(Int64(micros.rounded(.up)))
    }
}
