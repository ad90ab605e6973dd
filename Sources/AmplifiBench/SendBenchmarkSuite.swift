public import AmplifiLocalServers
import AmplifiPostgres
public import Foundation
public import Logging

/// `amplifi bench send`: for every audience size, a database with that many contacts is prepared
/// once (then copied for each run, so every run starts from the same state); for every worker count
/// the campaign is sent `runs` times by worker processes (``FleetSendBenchmark``) and each run is set
/// beside its limit, measured or computed in the same place: the raw Postgres insert + update of the
/// same rows in the run's own database, or the carrier account's concurrency ÷ latency.
public struct SendBenchmarkSuite: Sendable {
    /// The limit a run is compared with.
    public enum Limit: Sendable {
        /// The raw Postgres insert + update of the same rows (database path).
        case rawPostgres
        /// A fixed rate in msg/s (HTTP path: account concurrency ÷ latency).
        case fixed(Double)
    }

    public var sizes: [Int]
    public var workerCounts: [Int]
    public var runs: Int
    public var path: String
    public var limit: Limit
    public var benchmark: FleetSendBenchmark
    /// Create requests the carrier refused so far (read before and after each run).
    public var carrierRefusals: @Sendable () -> Int

    /// A suite over `sizes` × `workerCounts`, `runs` each.
    public init(
        sizes: [Int], workerCounts: [Int], runs: Int, path: String, limit: Limit, benchmark: FleetSendBenchmark,
        carrierRefusals: @escaping @Sendable () -> Int = { 0 }
    ) {
        self.sizes = sizes
        self.workerCounts = workerCounts
        self.runs = runs
        self.path = path
        self.limit = limit
        self.benchmark = benchmark
        self.carrierRefusals = carrierRefusals
    }

    /// Runs everything on `postgres` (migrated from `migrations`) and the Redis at `redisURL`,
    /// printing each run as it ends through `say`; returns every run.
    public func run(
        postgres: LocalPostgresServer, migrations: URL, redisURL: String, logger: Logger,
        say: @Sendable (String) -> Void
    ) async throws -> [SendMeasurement] {
        var measurements: [SendMeasurement] = []
        for size in sizes {
            let template = "bench_contacts_\(size)"
            say("preparing \(size) contacts …")
            let templateURL = try await postgres.freshDatabase(named: template, migrations: migrations)
            let setup = PostgresClient(url: templateURL, maxConnections: 1, logger: logger)
            let org = try await SendBenchmark.prepare(client: setup, recipients: size)
            await setup.close()
            for workers in workerCounts {
                for index in 1...runs {
                    let name = "bench_run"
                    let url = try await postgres.cloneDatabase(template, as: name)
                    let tag = "\(size)-\(workers)-\(index)-\(UInt32.random(in: 0 ... .max))"
                    let refusedBefore = carrierRefusals()
                    let timing = try await benchmark.run(
                        workers: workers, databaseURL: url, redisURL: redisURL, org: org, run: tag)
                    let refused = carrierRefusals() - refusedBefore
                    let limitPerSecond: Double
                    switch limit {
                    case .fixed(let rate):
                        limitPerSecond = rate
                    case .rawPostgres:
                        let client = PostgresClient(url: url, maxConnections: 1, logger: logger)
                        limitPerSecond = try await SendBenchmark.rawBaseline(
                            client: client, org: org, rows: timing.messages)
                        await client.close()
                    }
                    try await postgres.dropDatabase(name)
                    let measurement = SendMeasurement(
                        path: path, recipients: size, workers: workers, loops: benchmark.configuration.loops,
                        batchSize: benchmark.configuration.batchSize, messages: timing.messages,
                        planningSeconds: timing.planningSeconds, sendingSeconds: timing.sendingSeconds,
                        cpuMicrosPerMessage: timing.sendingCPUSeconds / Double(max(timing.messages, 1)) * 1e6,
                        planningCPUMicrosPerRow: timing.planningCPUSeconds / Double(max(size, 1)) * 1e6,
                        peakRSSMegabytes: Double(timing.peakRSSKilobytes) / 1024, limitPerSecond: limitPerSecond,
                        carrierRefusals: refused)
                    measurements.append(measurement)
                    say("  " + SendBenchReport.line(measurement, run: "run \(index)/\(runs)"))
                }
            }
            try await postgres.dropDatabase(template)
        }
        return measurements
    }
}
