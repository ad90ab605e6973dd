public import ServiceLifecycle
import Synchronization

/// Probes a server's dependencies in the background every `interval` and keeps the last answer, so
/// `/readyz` costs no query per request (a load balancer polling it cannot load the database).
///
/// A check that does not answer within `timeout` counts as failing; it is not started again while it
/// still runs (a hung connection attempt never piles up probes). Not ready until the first round ends.
public final class ReadinessProbe: Service, Sendable {
    /// The last round's result.
    public struct Snapshot: Sendable, Equatable {
        /// The dependencies that failed (empty when all answered).
        public var failing: [String]
        /// Whether at least one round has finished.
        public var probed: Bool
        /// Ready: probed, and nothing failing.
        public var isReady: Bool { probed && failing.isEmpty }
    }

    private let checks: [DependencyCheck]
    private let interval: Duration
    private let timeout: Duration
    private let state = Mutex(Snapshot(failing: [], probed: false))

    /// A probe of `checks`, refreshed every `interval` (each check bounded by `timeout`).
    public init(checks: [DependencyCheck], interval: Duration = .seconds(2), timeout: Duration = .seconds(2)) {
        self.checks = checks
        self.interval = interval
        self.timeout = timeout
    }

    /// The last round's result.
    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Probes until graceful shutdown or cancellation.
    public func run() async throws {
        var running: [String: Task<Bool, Never>] = [:]
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var failing: [String] = []
            for dependency in checks {
                let task = running[dependency.name] ?? Task { (try? await dependency.check()) != nil }
                running[dependency.name] = task
                switch await Self.result(of: task, within: timeout) {
                case .some(let answered):
                    running[dependency.name] = nil
                    if !answered { failing.append(dependency.name) }
                case .none:
                    failing.append(dependency.name)  // still running: left alone, asked again once it ends
                }
            }
            state.withLock { $0 = Snapshot(failing: failing, probed: true) }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
        for task in running.values { task.cancel() }
    }

    /// The task's result, or nil when it has not finished within `timeout` (it keeps running).
    static func result(of task: Task<Bool, Never>, within timeout: Duration) async -> Bool? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool?, Never>) in
            let answer = FirstAnswer(continuation)
            let timer = Task {
                try? await Task.sleep(for: timeout)
                answer.resume(nil)
            }
            Task {
                let value = await task.value
                timer.cancel()
                answer.resume(value)
            }
        }
    }
}

/// Resumes a continuation with the first of several racing answers; the later ones are dropped.
private final class FirstAnswer: Sendable {
    private let continuation: Mutex<CheckedContinuation<Bool?, Never>?>

    init(_ continuation: CheckedContinuation<Bool?, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(_ value: Bool?) {
        continuation.withLock { waiting in
            waiting?.resume(returning: value)
            waiting = nil
        }
    }
}
