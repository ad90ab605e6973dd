import AmplifiCarrierSimulator
import AmplifiCarriers
import AmplifiLocalServers
import AmplifiPostgres
import AmplifiRedis
import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import ServiceLifecycle

/// `amplifi chaos`: starts a private Postgres, Redis and carrier simulator (over HTTP: latency,
/// 429s, 5xx, late answers, cut connections, callbacks duplicated and out of order), a receiver, two
/// schedulers and the workers as real `amplifi` processes; sends the scenario's campaigns while the
/// seeded fault schedule kills processes, restarts and flushes Redis, restarts Postgres and throttles
/// or cuts off the carrier; then lets everything settle, runs `amplifi backfill-status`, and judges
/// the carrier's log and the database against the invariants.
public struct ChaosRun: Sendable {
    let configuration: ChaosConfiguration
    let logger: Logger
    /// Progress lines for a person watching.
    let say: @Sendable (String) -> Void

    /// A run of `configuration`; `say` receives progress lines.
    public init(configuration: ChaosConfiguration, logger: Logger, say: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.logger = logger
        self.say = say
    }

    /// Carries out the run and returns its report; throws only when the run could not be carried out.
    public func run() async throws -> ChaosReport {
        let root = configuration.directory
        let logs = root.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        say("starting Postgres and Redis under \(root.path) …")
        let postgres = try await LocalPostgresServer.start(directory: root.appendingPathComponent("postgres"))
        defer { postgres.stop() }
        let redisServer = try await LocalRedisServer.start(directory: root.appendingPathComponent("redis"))
        defer { redisServer.stop() }
        let databaseURL = try await postgres.freshDatabase(named: "amplifi_chaos", migrations: configuration.migrations)
        let client = PostgresClient(url: databaseURL, maxConnections: 4, logger: logger)
        let redis = try RedisClient(url: redisServer.url, maxConnections: 4, logger: logger)

        // The carrier, in this process, over HTTP.
        let seed = configuration.seed
        let accountSID = "AC" + String(format: "%016llx%016llx", seed &* 0x9E37_79B9_7F4A_7C15, seed)
        let authToken = "chaos-" + String(format: "%016llx", UInt64.random(in: .min ... .max))
        let receiverPort = try LocalNetwork.freePort()
        let publicURL = "http://127.0.0.1:\(receiverPort)"
        let control = CarrierSimulatorControl()
        let simulator = CarrierSimulatorServer(
            configuration: Self.carrierConfiguration(
                seed: seed, accountSID: accountSID, authToken: authToken, inboundURL: publicURL + "/twilio/inbound",
                control: control),
            logger: logger)
        let simulatorGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [simulator], logger: logger))
        let simulatorTask = Task { try await simulatorGroup.run() }
        let carrierURL = "http://127.0.0.1:\(try await simulator.boundPort())"

        say("creating two organizations, \(configuration.recipients) contacts and six campaigns …")
        let span = configuration.durationSeconds + configuration.settleSeconds + 600
        let scenario = try await ChaosScenario.create(
            client: client, recipients: configuration.recipients, windowSeconds: configuration.durationSeconds,
            span: span, directory: root, seed: seed, logger: logger)
        say(
            "  open zones \(scenario.openZones.count), closed zones \(scenario.closedZones.count); senders "
                + scenario.senders.map { "\($0.number) \(Int($0.mps))/s" }.joined(separator: ", "))

        let environment = [
            "AMPLIFI_DATABASE_URL": databaseURL, "AMPLIFI_REDIS_URL": redisServer.url, "AMPLIFI_CARRIER": "twilio",
            "TWILIO_ACCOUNT_SID": accountSID, "TWILIO_AUTH_TOKEN": authToken, "TWILIO_BASE_URL": carrierURL,
            "AMPLIFI_PUBLIC_URL": publicURL,
        ]
        let fleet = ChaosFleet(
            executable: configuration.executable, environment: environment, logs: logs,
            arguments: { role, incarnation in Self.arguments(role, incarnation: incarnation, receiverPort: receiverPort)
            })
        let roles: [ChaosFleet.Role] =
            [.receiver] + (0..<configuration.schedulers).map { .scheduler($0) }
            + (0..<configuration.workers).map { .worker($0) }
        say(
            "starting the fleet: a receiver, \(configuration.schedulers) schedulers, \(configuration.workers) workers …"
        )
        let journal = ChaosJournal()
        let settled: Double?
        do {
            try await fleet.start(.receiver)
            try await LocalNetwork.waitUntil("the receiver", timeout: 60) {
                LocalNetwork.isListening(port: receiverPort)
            }
            for role in roles.dropFirst() { try await fleet.start(role) }
            let director = ChaosDirector(
                configuration: configuration, scenario: scenario, fleet: fleet, postgres: postgres,
                redisServer: redisServer, client: client, redis: redis, control: control, carrierURL: carrierURL,
                carrierAuthorization: "Basic " + Data("\(accountSID):\(authToken)".utf8).base64EncodedString(),
                journal: journal, carrierCreated: { simulator.stats().created }, logger: logger, say: say)
            let schedule = ChaosFaultSchedule.make(
                seed: seed, seconds: configuration.durationSeconds, workers: configuration.workers,
                schedulers: configuration.schedulers)
            say("injecting \(schedule.count) faults over \(Int(configuration.durationSeconds)) s …")
            settled = try await director.run(schedule: schedule, roles: roles)
        } catch {
            // No process of the fleet outlives a run that could not be carried out.
            await fleet.stopAll(timeout: .seconds(5))
            await simulatorGroup.triggerGracefulShutdown()
            throw error
        }

        say("stopping the fleet, then running backfill-status …")
        await fleet.stopAll()
        let backfill = try await Self.runBackfill(
            executable: configuration.executable, environment: environment,
            log: logs.appendingPathComponent("backfill.log"))
        if backfill != 0 { await journal.note("backfill-status exited \(backfill)") }

        say("judging …")
        let carrierLog = simulator.createdLog()
        try Self.write(carrierLog, to: root.appendingPathComponent("carrier-log.jsonl"))
        let evidence = try await ChaosEvidenceReader(client: client, scenario: scenario).read(
            carrierLog: carrierLog, burstSeconds: ChaosConfiguration.burstSeconds)
        var figures = try await ChaosEvidenceReader(client: client, scenario: scenario).figures()
        let stats = simulator.stats()
        figures["carrier: messages created"] = stats.created
        figures["carrier: create requests refused"] = stats.refused
        for (code, count) in stats.refusedByCode { figures["carrier: refused \(code)"] = count }
        figures["carrier: answers held back past the timeout"] = stats.lateAnswers
        figures["carrier: answers cut off"] = stats.cutAnswers
        figures["carrier: duplicate (recipient, body) creates"] = stats.duplicates
        figures["carrier: callbacks posted"] = stats.callbacksSent
        figures["carrier: callbacks given up"] = stats.callbacksFailed
        figures["carrier: inbound STOPs posted"] = stats.inboundSent
        figures["backfill-status exit code"] = Int(backfill)

        await simulatorGroup.triggerGracefulShutdown()
        _ = try? await simulatorTask.value
        await client.close()
        await redis.close()
        var invariants = ChaosVerdict.judge(evidence)
        if backfill != 0 {
            invariants.append(
                ChaosInvariant(
                    name: "backfill-status ran", figure: "exit \(backfill)", bound: "exit 0", holds: false,
                    offenders: ["see \(logs.appendingPathComponent("backfill.log").path)"]))
        }
        return ChaosReport(
            seed: seed, durationSeconds: configuration.durationSeconds, recipients: configuration.recipients,
            workers: configuration.workers, settledAfterSeconds: settled, happenings: await journal.entries,
            figures: figures, invariants: invariants)
    }

    /// The carrier the users have: 100–300 ms per create, 2% 429s, 1% 5xx, 1% late answers (after the
    /// workers' timeout), 1% cut connections, a few invalid and unreachable numbers, 3% undelivered,
    /// callbacks 300 ms apart with 10% out of order and 10% posted twice.
    static func carrierConfiguration(
        seed: UInt64, accountSID: String, authToken: String, inboundURL: String, control: CarrierSimulatorControl
    ) -> CarrierSimulatorConfiguration {
        CarrierSimulatorConfiguration(
            accountSID: accountSID, authToken: authToken,
            carrier: SimulatedCarrierConfiguration(
                latency: .range(.milliseconds(100) ... .milliseconds(300)), permanentFailureRate: 0.005,
                transientFailureRate: 0.01, rateLimitRate: 0.02, rateLimitRetryAfter: .seconds(1), seed: seed,
                recordsLog: false),
            undeliveredRate: 0.03, failedRate: 0.01, callbackDelay: .milliseconds(300), outOfOrderRate: 0.1,
            duplicateRate: 0.1, inboundURL: inboundURL,
            transport: SimulatedTransportFaults(
                lateAnswerRate: 0.01, lateAnswerDelay: .seconds(ChaosConfiguration.carrierTimeoutSeconds * 2),
                dropRate: 0.01, serverErrorRate: 0.01),
            control: control)
    }

    /// The command line of `role`: short leases and settle grace so a killed process's work is taken
    /// over within the run, and a worker id new to each incarnation.
    static func arguments(_ role: ChaosFleet.Role, incarnation: Int, receiverPort: Int) -> [String] {
        switch role {
        case .receiver:
            return ["receiver", "--port", "\(receiverPort)"]
        case .scheduler:
            return [
                "scheduler", "--tick-milliseconds", "200", "--reconcile-every", "10",
                "--claim-lease-seconds", "\(ChaosConfiguration.claimLeaseSeconds)", "--requeue-after-seconds", "10",
            ]
        case .worker(let index):
            return [
                "worker", "--worker-id", "w\(index + 1).\(incarnation)", "--concurrency", "2", "--batch-size", "50",
                "--chunk-size", "200", "--lease-seconds", "10",
                "--carrier-timeout-seconds", "\(ChaosConfiguration.carrierTimeoutSeconds)",
                "--settle-after-seconds", "\(ChaosConfiguration.settleAfterSeconds)", "--drain-seconds", "5",
                "--burst-seconds", "\(ChaosConfiguration.workerBurstSeconds)",
            ]
        }
    }

    /// Keeps the carrier's log beside the run's other logs, one JSON object a line, for a post-mortem.
    static func write(_ log: [CarrierSimulatorLogEntry], to file: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        var data = Data()
        for entry in log {
            data.append(try encoder.encode(entry))
            data.append(0x0A)
        }
        try data.write(to: file)
    }

    /// Runs `amplifi backfill-status` for every row not final, as the cron job would; its exit status.
    static func runBackfill(executable: URL, environment: [String: String], log: URL) async throws -> Int32 {
        let process = try ChildProcess.launch(
            executable: executable, arguments: ["backfill-status", "--older-than", "0s", "--rate", "200"],
            environment: environment, log: log, header: "=== backfill-status at \(Date()) ===")
        while process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        return process.terminationStatus
    }
}

/// The faults and actions of a run as they happened, with their times.
actor ChaosJournal {
    private(set) var entries: [ChaosReport.Happening] = []
    private let opened = Date()

    /// Records `what` now.
    func note(_ what: String) {
        entries.append(ChaosReport.Happening(at: Date().timeIntervalSince(opened), what: what))
    }
}
