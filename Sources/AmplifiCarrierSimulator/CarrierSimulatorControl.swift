import Foundation
import Synchronization

/// Switches a running simulator into an outage or a throttling episode, for chaos runs and tests:
/// while an outage lasts every create is answered 503 / 20503 and nothing is created; while a
/// throttle lasts every create is answered 429 / 20429 with `Retry-After`. Shared by reference
/// between the simulator and whoever drives it.
public final class CarrierSimulatorControl: Sendable {
    /// The episodes in force.
    private struct State {
        var outageUntil: Date?
        var throttleUntil: Date?
        var retryAfterSeconds = 1
    }

    private let state = Mutex(State())

    /// A control with no episode in force.
    public init() {}

    /// Refuses every create for `duration` from now (503, nothing created).
    public func startOutage(for duration: Duration) {
        let until = Date().addingTimeInterval(Self.seconds(duration))
        state.withLock { $0.outageUntil = until }
    }

    /// Throttles every create for `duration` from now (429 with `Retry-After: retryAfterSeconds`).
    public func startThrottle(for duration: Duration, retryAfterSeconds: Int) {
        let until = Date().addingTimeInterval(Self.seconds(duration))
        state.withLock {
            $0.throttleUntil = until
            $0.retryAfterSeconds = max(1, retryAfterSeconds)
        }
    }

    /// What a create arriving at `now` meets.
    enum Episode: Equatable {
        case none
        case outage
        case throttle(retryAfterSeconds: Int)
    }

    /// The episode in force at `now`.
    func episode(at now: Date = Date()) -> Episode {
        state.withLock { state in
            if let until = state.outageUntil, now < until { return .outage }
            if let until = state.throttleUntil, now < until {
                return .throttle(retryAfterSeconds: state.retryAfterSeconds)
            }
            return .none
        }
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
