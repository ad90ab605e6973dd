import AmplifiCarrierSimulator
import AmplifiCarriers
import AmplifiEngine
public import AmplifiLocalServers
import AmplifiMessaging
import AmplifiPostgres
import AmplifiRedis
public import Foundation
public import Logging
import ServiceLifecycle

/// `amplifi bench latency`: the three delays an operator and a customer feel, measured on a fleet
/// of real processes (a scheduler and `workers` workers) sending over HTTP to a carrier simulator
/// in this process, whose log says when each create request arrived:
/// - **pause**: `campaign pause` of a campaign sending at full speed → the last of its messages to
///   reach the carrier (each pause is resumed before the next);
/// - **first message**: a 500-recipient campaign of another organization created while the big
///   one sends → its first message at the carrier (fair admission and fair chunk queues);
/// - **promotion**: a scheduled campaign's `scheduled_for` → the scheduler moving it on (workers
///   stopped, so nothing else changes its status).
public struct LatencyBenchmark: Sendable {
    /// What to run.
    public struct Configuration: Sendable {
        public var executable: URL
        public var workers: Int
        public var loops: Int
        public var batchSize: Int
        /// Contacts of the campaign that sends at full speed meanwhile.
        public var backgroundRecipients: Int
        public var pauses: Int
        public var firstMessages: Int
        public var promotions: Int
        public var logDirectory: URL

        /// A configuration for `executable`.
        public init(
            executable: URL, workers: Int, loops: Int, batchSize: Int, backgroundRecipients: Int, pauses: Int,
            firstMessages: Int, promotions: Int, logDirectory: URL
        ) {
            self.executable = executable
            self.workers = workers
            self.loops = loops
            self.batchSize = batchSize
            self.backgroundRecipients = backgroundRecipients
            self.pauses = pauses
            self.firstMessages = firstMessages
            self.promotions = promotions
            self.logDirectory = logDirectory
        }
    }

    /// The samples, in milliseconds, and their summaries.
    public struct Report: Sendable, Codable {
        public var machine: String
        public var pauseMilliseconds: [Double]
        public var firstMessageMilliseconds: [Double]
        public var promotionMilliseconds: [Double]

        /// The `percentile` (0…100) of `samples` by nearest rank; nil when empty.
        public static func percentile(_ samples: [Double], _ percentile: Double) -> Double? {
            guard !samples.isEmpty else { return nil }
            let sorted = samples.sorted()
            let rank = Int((percentile / 100 * Double(sorted.count)).rounded(.up))
            return sorted[min(max(rank, 1), sorted.count) - 1]
        }

        /// The three figures beside their targets, as a Markdown table.
        public var table: String {
            func row(_ name: String, _ samples: [Double], target: String) -> String {
                func show(_ value: Double?) -> String { value.map { String(Int($0.rounded())) } ?? "n/a" }
                return "| \(name) | \(samples.count) | \(show(Self.percentile(samples, 50))) | "
                    + "\(show(Self.percentile(samples, 99))) | \(show(samples.max())) | \(target) |\n"
            }
            return "latency (\(machine)), milliseconds:\n\n"
                + "| delay | samples | p50 | p99 | max | target |\n|---|---:|---:|---:|---:|---|\n"
                + row("pause → last message at the carrier", pauseMilliseconds, target: "p99 ≤ 250")
                + row("new campaign of another org → its first message", firstMessageMilliseconds, target: "≤ 2000")
                + row("scheduled_for → promoted", promotionMilliseconds, target: "p99 ≤ 1000")
        }
    }

    public let configuration: Configuration
    let logger: Logger

    /// A benchmark run by `configuration`.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs the three measurements on `postgres` and the Redis at `redisURL`.
    public func run(
        postgres: LocalPostgresServer, migrations: URL, redisURL: String, say: @Sendable (String) -> Void
    ) async throws -> Report {
        let url = try await postgres.freshDatabase(named: "bench_latency", migrations: migrations)
        let client = PostgresClient(url: url, maxConnections: 2, logger: logger)
        let redis = try RedisClient(url: redisURL, maxConnections: 2, logger: logger)
        let prefix = "latency:\(UInt32.random(in: 0 ... .max)):"
        let control = CampaignControl(client: client, redis: redis, keys: QueueKeys(prefix: prefix), logger: logger)
        let bigNumber = "+19195550101"
        let smallNumber = "+19195550102"
        say("preparing \(configuration.backgroundRecipients) + 500 contacts …")
        let bigOrg = try await SendBenchmark.prepare(
            client: client, recipients: configuration.backgroundRecipients, name: "latency big", number: bigNumber)
        let smallOrg = try await SendBenchmark.prepare(
            client: client, recipients: 500, name: "latency small", number: smallNumber)
        let scheduledOrg = try await SendBenchmark.prepare(
            client: client, recipients: 0, name: "latency scheduled", number: "+19195550103")
        try await client.query("UPDATE organizations SET max_concurrent_campaigns = 1000 WHERE id = \(scheduledOrg)")

        let simulator = CarrierSimulatorServer(
            configuration: CarrierSimulatorConfiguration(callbacksEnabled: false), logger: logger)
        let simulatorGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [simulator], logger: logger))
        Task { try await simulatorGroup.run() }
        let environment = [
            "AMPLIFI_DATABASE_URL": url, "AMPLIFI_REDIS_URL": redisURL,
            "AMPLIFI_REDIS_PREFIX": prefix, "AMPLIFI_CARRIER": "twilio",
            "TWILIO_BASE_URL": "http://127.0.0.1:\(try await simulator.boundPort())",
            "TWILIO_ACCOUNT_SID": CarrierSimulatorConfiguration.demoAccountSID,
            "TWILIO_AUTH_TOKEN": CarrierSimulatorConfiguration.demoAuthToken,
        ]
        func launch(_ role: String, _ arguments: [String]) throws -> Process {
            try ChildProcess.launch(
                executable: configuration.executable, arguments: arguments, environment: environment,
                log: configuration.logDirectory.appendingPathComponent("latency-\(role).log"),
                header: "=== latency bench \(role) ===")
        }
        let scheduler = try launch("scheduler", ["scheduler", "--tick-milliseconds", "200", "--reconcile-every", "5"])
        var workers: [Process] = []
        for index in 0..<configuration.workers {
            workers.append(
                try launch(
                    "worker-\(index)",
                    [
                        "worker", "--concurrency", "\(configuration.loops)", "--batch-size",
                        "\(configuration.batchSize)",
                        "--worker-id", "latency-\(index)",
                    ]))
        }
        defer {
            for process in workers + [scheduler] where process.isRunning { kill(process.processIdentifier, SIGKILL) }
            Task { await simulatorGroup.triggerGracefulShutdown() }
        }

        // The big campaign, admitted by the scheduler like any other.
        let big = try await createCampaign(client: client, org: bigOrg, status: "pending")
        say("waiting for the \(configuration.backgroundRecipients)-recipient campaign to send at full speed …")
        try await waitUntil("the big campaign to send", timeout: .seconds(300)) {
            simulator.stats().created > 2_000
        }
        try await Task.sleep(for: .seconds(1))

        var firstMessages: [Double] = []
        for index in 1...max(1, configuration.firstMessages) where configuration.firstMessages > 0 {
            let asked = Date()
            _ = try await createCampaign(client: client, org: smallOrg, status: "pending")
            var first: Date?
            try await waitUntil("org B's first message", timeout: .seconds(120)) {
                first = Self.firstArrival(in: simulator.createdLog(), from: smallNumber, after: asked)
                return first != nil
            }
            let millis = (first ?? asked).timeIntervalSince(asked) * 1_000
            firstMessages.append(millis)
            say("  first message \(index)/\(configuration.firstMessages): \(Int(millis)) ms")
        }

        var pauses: [Double] = []
        for index in 1...max(1, configuration.pauses) where configuration.pauses > 0 {
            let sentBefore = simulator.stats().created
            try await Task.sleep(for: .seconds(1))
            guard simulator.stats().created > sentBefore else {
                say("  the big campaign is no longer sending; stopping the pause samples at \(index - 1)")
                break
            }
            let asked = Date()
            _ = try await control.pause(campaignID: big, orgID: bigOrg)
            try await Task.sleep(for: .milliseconds(1_500))
            let last = Self.lastArrival(in: simulator.createdLog(), from: bigNumber, after: asked)
            let millis = max(0, (last ?? asked).timeIntervalSince(asked) * 1_000)
            pauses.append(millis)
            say("  pause \(index)/\(configuration.pauses): last message \(Int(millis)) ms after the pause")
            _ = try await control.resume(campaignID: big, orgID: bigOrg)
            let resumedAt = Date()
            try await waitUntil("the big campaign to send again", timeout: .seconds(60)) {
                Self.lastArrival(in: simulator.createdLog(), from: bigNumber, after: resumedAt) != nil
            }
        }

        // Promotion, with the workers stopped: the scheduler alone moves the campaigns.
        for worker in workers { await ChildProcess.end(worker, signal: SIGTERM, timeout: .seconds(30)) }
        var promotions: [Double] = []
        if configuration.promotions > 0 {
            say("scheduling \(configuration.promotions) campaigns over the next few seconds …")
            var scheduled: [UUID] = []
            for index in 0..<configuration.promotions {
                let offset = 2.0 + Double(index) * 0.37
                scheduled.append(
                    try await client.query(
                        """
                        INSERT INTO campaigns (org_id, name, message, contact_filter, status, scheduled_for)
                        VALUES (\(scheduledOrg), 'latency scheduled', 'Hi', '{}'::jsonb, 'scheduled',
                                now() + make_interval(secs => \(offset)))
                        RETURNING id
                        """)[0].decode(UUID.self, at: 0))
            }
            let lastOffset = 2.0 + Double(configuration.promotions) * 0.37
            try await Task.sleep(for: .seconds(lastOffset + 3))
            promotions = try await client.query(
                """
                SELECT extract(epoch FROM status_changed_at - scheduled_for)::float8 * 1000
                FROM campaigns WHERE org_id = \(scheduledOrg) AND id = ANY(\(scheduled)::uuid[])
                  AND status <> 'scheduled'
                """
            ).map { try $0.decode(Double.self, at: 0) }
            if promotions.count < scheduled.count {
                say("  \(scheduled.count - promotions.count) scheduled campaigns were not promoted in time")
            }
        }
        await ChildProcess.end(scheduler, signal: SIGTERM, timeout: .seconds(30))
        await client.close()
        await redis.close()
        return Report(
            machine: BenchMachine.description(), pauseMilliseconds: pauses, firstMessageMilliseconds: firstMessages,
            promotionMilliseconds: promotions)
    }

    /// A campaign to every contact of `org`, created in `status` (`pending`: the scheduler admits it).
    func createCampaign(client: PostgresClient, org: UUID, status: String) async throws -> UUID {
        try await client.query(
            """
            INSERT INTO campaigns (org_id, name, message, contact_filter, status, timezone)
            VALUES (\(org), 'latency', 'Hi {{firstName|there}}, latency bench.', '{}'::jsonb, \(status),
                    \(SendBenchmark.middayZone()))
            RETURNING id
            """)[0].decode(UUID.self, at: 0)
    }

    /// The earliest create request from `number` that arrived after `instant`.
    static func firstArrival(in log: [CarrierSimulatorLogEntry], from number: String, after instant: Date) -> Date? {
        log.lazy.filter { $0.from == number && $0.receivedAt >= instant }.map(\.receivedAt).min()
    }

    /// The latest create request from `number` that arrived after `instant`.
    static func lastArrival(in log: [CarrierSimulatorLogEntry], from number: String, after instant: Date) -> Date? {
        log.lazy.filter { $0.from == number && $0.receivedAt >= instant }.map(\.receivedAt).max()
    }

    /// Polls `condition` every 50 ms until it holds, failing past `timeout`.
    func waitUntil(_ what: String, timeout: Duration, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                throw EngineError(
                    "BENCH_FAILED", "timed out waiting for \(what); see the logs in \(configuration.logDirectory.path)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
