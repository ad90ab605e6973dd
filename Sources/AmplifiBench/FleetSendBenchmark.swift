import AmplifiCarriers
import AmplifiEngine
import AmplifiLocalServers
import AmplifiMessaging
import AmplifiPostgres
import AmplifiRedis
public import Foundation
public import Logging

/// One `amplifi bench send` run in the shape users deploy: `workers` separate `amplifi worker`
/// processes (this same binary) plan and send one campaign from a fresh copy of a prepared
/// database, while this process watches the campaign and reads each worker's CPU and peak RSS
/// from /proc. Planning and sending are timed on the database's clock (admission → `started_at`
/// → the last row written).
public struct FleetSendBenchmark: Sendable {
    /// How the workers reach a carrier.
    public enum Carrier: Sendable {
        /// The in-process simulator, answering at once: the database path is the limit.
        case simulator
        /// The Twilio adapter over HTTP, to a Twilio-compatible server (`amplifi carrier-sim`).
        case twilio(baseURL: String, accountSID: String, authToken: String)
    }

    /// What every run shares.
    public struct Configuration: Sendable {
        /// The `amplifi` executable to start workers from.
        public var executable: URL
        /// Sender loops per worker (`--concurrency`).
        public var loops: Int
        public var batchSize: Int
        public var chunkSize: Int
        public var carrier: Carrier
        /// More `amplifi worker` arguments, passed through (`--worker-arguments`).
        public var extraWorkerArguments: [String]
        /// More environment variables of the workers.
        public var extraEnvironment: [String: String]
        /// Where the workers' logs go.
        public var logDirectory: URL

        /// A configuration for `executable`.
        public init(
            executable: URL, loops: Int, batchSize: Int, chunkSize: Int, carrier: Carrier,
            extraWorkerArguments: [String], extraEnvironment: [String: String] = [:], logDirectory: URL
        ) {
            self.executable = executable
            self.loops = loops
            self.batchSize = batchSize
            self.chunkSize = chunkSize
            self.carrier = carrier
            self.extraWorkerArguments = extraWorkerArguments
            self.extraEnvironment = extraEnvironment
            self.logDirectory = logDirectory
        }
    }

    public let configuration: Configuration
    let logger: Logger

    /// A benchmark run by `configuration`.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// What a run measured before the limit is known.
    public struct Timing: Sendable {
        public var messages: Int
        public var planningSeconds: Double
        public var sendingSeconds: Double
        public var planningCPUSeconds: Double
        public var sendingCPUSeconds: Double
        public var peakRSSKilobytes: Int
    }

    /// Sends one campaign to every contact of `org` in the database at `databaseURL` with
    /// `workers` worker processes, the queues under a fresh prefix of the Redis at `redisURL`.
    public func run(workers: Int, databaseURL: String, redisURL: String, org: UUID, run: String) async throws -> Timing
    {
        let client = PostgresClient(url: databaseURL, maxConnections: 2, logger: logger)
        let redis = try RedisClient(url: redisURL, maxConnections: 2, logger: logger)
        defer {
            Task {
                await client.close()
                await redis.close()
            }
        }
        let keys = QueueKeys(prefix: "bench:\(run):")
        var environment = configuration.extraEnvironment.merging([
            "AMPLIFI_DATABASE_URL": databaseURL, "AMPLIFI_REDIS_URL": redisURL, "AMPLIFI_REDIS_PREFIX": keys.prefix,
        ]) { $1 }
        switch configuration.carrier {
        case .simulator:
            environment["AMPLIFI_CARRIER"] = "sim"
        case .twilio(let baseURL, let accountSID, let authToken):
            environment["AMPLIFI_CARRIER"] = "twilio"
            environment["TWILIO_BASE_URL"] = baseURL
            environment["TWILIO_ACCOUNT_SID"] = accountSID
            environment["TWILIO_AUTH_TOKEN"] = authToken
        }
        var processes: [Process] = []
        defer {
            for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        for index in 0..<workers {
            let arguments =
                [
                    "worker", "--concurrency", "\(configuration.loops)", "--batch-size", "\(configuration.batchSize)",
                    "--chunk-size", "\(configuration.chunkSize)", "--worker-id", "bench-\(run)-\(index)",
                ] + configuration.extraWorkerArguments
            processes.append(
                try ChildProcess.launch(
                    executable: configuration.executable, arguments: arguments, environment: environment,
                    log: configuration.logDirectory.appendingPathComponent("worker-\(run)-\(index).log"),
                    header: "=== bench worker \(index) of run \(run) ==="))
        }
        // The workers connect and wait on the admission stream; their start-up is not measured.
        try await Task.sleep(for: .seconds(2))
        for process in processes where !process.isRunning {
            throw EngineError(
                "BENCH_FAILED",
                "a bench worker exited at start (status \(process.terminationStatus)); see its log in "
                    + configuration.logDirectory.path)
        }
        let idle = processes.map { ProcessUsage.read(pid: $0.processIdentifier)?.cpuSeconds ?? 0 }

        let campaign = try await client.query(
            """
            INSERT INTO campaigns (org_id, name, message, contact_filter, status, timezone)
            VALUES (\(org), 'bench', 'Hi {{firstName|there}}, the bench is running.', '{}'::jsonb, 'queued',
                    \(SendBenchmark.middayZone()))
            RETURNING id
            """)[0].decode(UUID.self, at: 0)
        try await AdmissionQueue(client: redis, keys: keys, logger: logger).publish(campaignID: campaign, orgID: org)

        var planned: [Double]?
        let deadline = ContinuousClock.now + .seconds(3_600)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            let row = try await client.query(
                "SELECT status, started_at IS NOT NULL FROM campaigns WHERE id = \(campaign) AND org_id = \(org)")[0]
            let (status, started) = try row.decode((String, Bool).self)
            if planned == nil, started {
                planned = processes.map { ProcessUsage.read(pid: $0.processIdentifier)?.cpuSeconds ?? 0 }
            }
            if status == "completed" { break }
            if ["failed", "paused", "canceled"].contains(status) {
                throw EngineError(
                    "BENCH_FAILED",
                    "the bench campaign ended \(status); see the workers' logs in \(configuration.logDirectory.path)")
            }
            for process in processes where !process.isRunning {
                throw EngineError(
                    "BENCH_FAILED", "a bench worker died mid-run; see its log in \(configuration.logDirectory.path)")
            }
        }
        let usage = processes.map { ProcessUsage.read(pid: $0.processIdentifier) }
        for process in processes { await ChildProcess.end(process, signal: SIGTERM, timeout: .seconds(30)) }

        let (messages, planningSeconds, sendingSeconds) = try await client.query(
            """
            SELECT (SELECT count(*)::int FROM campaign_messages
                    WHERE org_id = c.org_id AND campaign_id = c.id AND status = 'sent'),
                   extract(epoch FROM c.started_at - c.created_at)::float8,
                   extract(epoch FROM coalesce(
                       (SELECT max(status_updated_at) FROM campaign_messages
                        WHERE org_id = c.org_id AND campaign_id = c.id), c.completed_at) - c.started_at)::float8
            FROM campaigns c WHERE c.id = \(campaign) AND c.org_id = \(org)
            """)[0].decode((Int, Double, Double).self)
        let end = usage.map { $0?.cpuSeconds ?? 0 }
        let middle = planned ?? end
        return Timing(
            messages: messages, planningSeconds: planningSeconds, sendingSeconds: sendingSeconds,
            planningCPUSeconds: zip(middle, idle).reduce(0) { $0 + $1.0 - $1.1 },
            sendingCPUSeconds: zip(end, middle).reduce(0) { $0 + $1.0 - $1.1 },
            peakRSSKilobytes: usage.compactMap { $0?.peakRSSKilobytes }.max() ?? 0)
    }
}
