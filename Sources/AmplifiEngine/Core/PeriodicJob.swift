public import Logging
public import ServiceLifecycle

/// A job run every `interval` until graceful shutdown, as a `Service`: purges and retention sweeps
/// that any number of replicas may run at once (each run must be idempotent and bounded). A failed
/// run is logged and retried at the next interval; a run that did something logs what. Rows and
/// failures are counted by `metric` (`amplifi_periodic_job_rows_total` /
/// `amplifi_periodic_job_failures_total{task}`).
public struct PeriodicJob: Service {
    let name: String
    let metric: String
    let interval: Duration
    let logger: Logger
    let run: @Sendable () async throws -> Int

    /// A job logging `name` after a run that touched rows, counted under the job label `metric`
    /// (a short, fixed name such as `retention`).
    public init(
        name: String, metric: String, interval: Duration, logger: Logger,
        run: @escaping @Sendable () async throws -> Int
    ) {
        self.name = name
        self.metric = metric
        self.interval = interval
        self.logger = logger
        self.run = run
    }

    public func run() async throws {
        EngineMetrics.registerPeriodicJob(metric)
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let touched = try await run()
                    EngineMetrics.periodicJob(metric, rows: touched)
                    if touched > 0 { logger.info("\(name)", metadata: ["rows": "\(touched)"]) }
                } catch is CancellationError {
                    return
                } catch {
                    EngineMetrics.periodicJob(metric, rows: nil)
                    logger.warning("\(name) failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
