/// One fault a chaos run injects into the fleet or its surroundings.
public enum ChaosFault: Hashable, Sendable, Codable, CustomStringConvertible {
    /// `kill -9` of worker `index` (restarted a moment later, as an orchestrator would).
    case killWorker(index: Int)
    /// SIGTERM of worker `index`: it drains, exits and is restarted.
    case terminateWorker(index: Int)
    /// `kill -9` of scheduler `index` (restarted).
    case killScheduler(index: Int)
    /// SIGTERM of scheduler `index`: it finishes its tick, exits and is restarted.
    case terminateScheduler(index: Int)
    /// `kill -9` of the receiver (restarted); callbacks and STOPs meanwhile are retried or lost.
    case killReceiver
    /// SIGTERM of the receiver: it applies the callbacks it holds, exits and is restarted.
    case terminateReceiver
    /// Redis stopped and started again, empty.
    case restartRedis
    /// `FLUSHALL` on the running Redis.
    case flushRedis
    /// Postgres stopped (fast shutdown) and started again on the same data.
    case restartPostgres
    /// Every create answered 429 with `Retry-After` for a few seconds.
    case throttle(seconds: Int, retryAfterSeconds: Int)
    /// Every create answered 503 for a few seconds.
    case outage(seconds: Int)

    public var description: String {
        switch self {
        case .killWorker(let index): "kill -9 worker \(index + 1)"
        case .terminateWorker(let index): "SIGTERM worker \(index + 1)"
        case .killScheduler(let index): "kill -9 scheduler \(index + 1)"
        case .terminateScheduler(let index): "SIGTERM scheduler \(index + 1)"
        case .killReceiver: "kill -9 receiver"
        case .terminateReceiver: "SIGTERM receiver"
        case .restartRedis: "restart Redis (empty)"
        case .flushRedis: "Redis FLUSHALL"
        case .restartPostgres: "restart Postgres (fast shutdown)"
        case .throttle(let seconds, let retryAfter): "carrier 429s for \(seconds) s (Retry-After \(retryAfter))"
        case .outage(let seconds): "carrier outage (503) for \(seconds) s"
        }
    }
}

/// A fault at its offset from the start of the fault window.
public struct ChaosEvent: Hashable, Sendable, Codable {
    /// Seconds after the window opened.
    public var at: Double
    /// What happens then.
    public var fault: ChaosFault

    /// An event.
    public init(at: Double, fault: ChaosFault) {
        self.at = at
        self.fault = fault
    }
}
