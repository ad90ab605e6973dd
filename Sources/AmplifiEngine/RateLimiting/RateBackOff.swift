import AmplifiMessaging

/// The answer of ``SenderRateLimiter/backOff(orgID:senderID:for:)``: the fleet-wide pause
/// of one sender number now in force, on the Redis server's clock.
public struct RateBackOff: Sendable, Hashable {
    /// The Redis server time (`TIME`, µs since 1970) at which the backoff was applied.
    public let serverTimeMicroseconds: Int
    /// The Redis server time (µs since 1970) at which the pause ends: no segment of the
    /// number conforms before it.
    public let pauseEndMicroseconds: Int

    /// A backoff as the backoff script describes it.
    public init(serverTimeMicroseconds: Int, pauseEndMicroseconds: Int) {
        self.serverTimeMicroseconds = serverTimeMicroseconds
        self.pauseEndMicroseconds = pauseEndMicroseconds
    }

    /// How long the number is paused from ``serverTimeMicroseconds`` (a longer pause
    /// already in force is kept, so this may exceed the duration asked for).
    public var pausedFor: Duration {
        .microseconds(max(0, Saturating.difference(pauseEndMicroseconds, serverTimeMicroseconds)))
    }
}
