/// Exponential backoff for retrying an operation that failed for a reason that passes
/// (a database restarting, Redis failing over): the first wait is `initial`, each next
/// one doubles, capped at `maximum`. ``reset()`` after a success.
public struct RetryBackoff: Sendable, Equatable {
    /// The first wait.
    public let initial: Duration
    /// The longest wait.
    public let maximum: Duration
    /// Failures since the last reset.
    public private(set) var failures = 0

    /// A backoff from `initial` doubling up to `maximum` (1 s → 30 s by default).
    public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// The wait before the next attempt; counts one more failure.
    public mutating func next() -> Duration {
        let exponent = min(failures, 30)
        failures += 1
        let wait = initial * (1 << exponent)
        return min(wait, maximum)
    }

    /// Back to the first wait.
    public mutating func reset() {
        failures = 0
    }
}
