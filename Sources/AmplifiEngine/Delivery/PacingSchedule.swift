import AmplifiMessaging

/// The pure part of `PacingLimiter`: hands out start times at most `rate` per second, evenly spaced.
///
/// Times are offsets on any monotonic timeline (the limiter uses its clock's time since it
/// started), so tests drive it with plain numbers. A caller that arrives after a quiet spell starts
/// at once; no burst credit builds up while idle.
public struct PacingSchedule: Sendable, Hashable {
    /// Time between two starts.
    public let interval: Duration
    /// The earliest start the next reservation may get.
    private var next: Duration?

    /// A schedule allowing `rate` starts per second (rate > 0; a NaN or non-positive rate is refused by
    /// the callers' validation, and here gives the longest interval rather than a trap).
    public init(rate: Double) {
        let nanoseconds = rate > 0 ? 1e9 / rate : .infinity
        self.interval = .nanoseconds(Saturating.int64(nanoseconds, rounding: .up, nan: .max))
    }

    /// Reserves the next start for a caller arriving at `now`; returns when it may start (>= now).
    public mutating func reserve(at now: Duration) -> Duration {
        let start = max(now, next ?? now)
        next = start + interval
        return start
    }
}
