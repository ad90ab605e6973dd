/// Paces requests to an outside service (the carrier's API during backfill): at most `rate`
/// starts per second across every task sharing it, evenly spaced.
///
/// Reservations are handed out in arrival order under the actor, then each caller sleeps until
/// its own start outside of it, so concurrent callers wait in parallel, not one after another.
public actor PacingLimiter {
    private var schedule: PacingSchedule
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    /// A limiter allowing `rate` requests per second (rate > 0).
    public init(rate: Double) {
        self.schedule = PacingSchedule(rate: rate)
        self.origin = clock.now
    }

    /// Waits until the caller may send its next request. Throws `CancellationError` if cancelled.
    public nonisolated func acquire() async throws {
        let start = await reserve()
        try await Task.sleep(until: start, clock: ContinuousClock())
    }

    /// The start instant reserved for one caller.
    private func reserve() -> ContinuousClock.Instant {
        origin + schedule.reserve(at: clock.now - origin)
    }
}
