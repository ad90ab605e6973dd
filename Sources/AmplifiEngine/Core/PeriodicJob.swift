public import Logging
public import ServiceLifecycle

/// A job run every `interval` until graceful shutdown, as a `Service`: purges and retention sweeps
/// that any number of replicas may run at once (each run must be idempotent and bounded). A failed
/// run is logged and retried at the next interval; a run that did something logs what.
public struct PeriodicJob: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let run: @Sendable () async throws -> Int

    /// A job logging `"\(name): N"` after a run that touched N rows.
    public init(name: String, interval: Duration, logger: Logger, run: @escaping @Sendable () async throws -> Int) {
        self.name = name
        self.interval = interval
        self.logger = logger
        self.run = run
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let touched = try await run()
                    if touched > 0 { logger.info("\(name)", metadata: ["rows": "\(touched)"]) }
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("\(name) failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
