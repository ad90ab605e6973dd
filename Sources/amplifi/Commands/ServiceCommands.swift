import AmplifiCarriers
import AmplifiEngine
import AmplifiHTTP
import AmplifiObservability
import AmplifiPostgres
import AmplifiReceiver
import AmplifiRedis
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `amplifi scheduler`: promotes, admits and reconciles until SIGTERM/SIGINT.
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Promote scheduled campaigns, admit pending ones fairly, and rebuild Redis state from Postgres.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var redis: RedisOptions
    @OptionGroup var admin: AdminOptions
    @OptionGroup var pools: PoolSizeOptions

    @Option(help: "Milliseconds between ticks.")
    var tickMilliseconds = 500

    @Option(help: "Ticks between reconciliations (Redis rebuilt from Postgres, stale claims swept).")
    var reconcileEvery = 20

    @Option(
        help: "Seconds a claimed row may stay 'sending' before it is marked 'unknown' (never resent blindly; 1-86400).")
    var claimLeaseSeconds = 300

    @Option(
        help: "Seconds a campaign may stay queued before it is published again, whatever Redis remembers (10-86400).")
    var requeueAfterSeconds = 120

    func validate() throws {
        _ = try FlagValidation.milliseconds(tickMilliseconds, flag: "tick-milliseconds", in: 10...60_000)
        _ = try FlagValidation.count(reconcileEvery, flag: "reconcile-every", in: 1...100_000, unit: "ticks")
        _ = try FlagValidation.count(claimLeaseSeconds, flag: "claim-lease-seconds", in: 1...86_400, unit: "seconds")
        _ = try FlagValidation.count(
            requeueAfterSeconds, flag: "requeue-after-seconds", in: 10...86_400, unit: "seconds")
    }

    func run() async throws {
        let runtime = try RoleRuntime.start(role: "scheduler", admin: admin)
        let logger = runtime.logger
        let (databaseURL, redisURL) = (try database.resolvedURL(), try redis.resolvedURL())
        runtime.logStartup([
            "database": "\(RedactedURL.describe(databaseURL))", "redis": "\(RedactedURL.describe(redisURL))",
        ])
        let client = PostgresClient(url: databaseURL, maxConnections: try pools.postgres(roleDefault: 4))
        let redisClient = try RedisClient(url: redisURL, maxConnections: try pools.redis(roleDefault: 4))
        let service = SchedulerService(
            client: client, redis: redisClient, keys: redis.keys,
            tick: .milliseconds(tickMilliseconds), reconcileEvery: reconcileEvery,
            claimLease: .seconds(claimLeaseSeconds), requeueQueuedAfter: .seconds(requeueAfterSeconds), logger: logger)
        // Conversation texts past their organization's retention window (sql/021), every 10 minutes.
        let retention = PeriodicJob(
            name: "message texts past retention redacted", metric: "retention", interval: .seconds(600), logger: logger
        ) {
            try await MessageRetention(client: client).redactExpired()
        }
        let admin = try runtime.adminServices(checks: DependencyCheck.standard(client: client, redis: redisClient))
        try await runServices(admin + [service, retention], logger: logger)
        await client.close()
        await redisClient.close()
    }
}

/// `amplifi worker`: plans admitted campaigns, sends their chunks and settles unknown outcomes.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Plan admitted campaigns into chunk jobs and send chunks through the carrier.",
        discussion: """
            On SIGTERM/SIGINT every sender loop stops at its next claim boundary, puts back what it had \
            claimed but not handed to the carrier, hands its chunk back to the queue and the process \
            exits within --drain-seconds.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var redis: RedisOptions
    @OptionGroup var admin: AdminOptions
    @OptionGroup var pools: PoolSizeOptions

    @Option(help: "Contacts per chunk job.")
    var chunkSize = 1_000

    @Option(
        help:
            "Seconds an admission or a chunk lease may go without a heartbeat before another worker takes it over (1-3600)."
    )
    var leaseSeconds = 60

    @Option(help: "Worker id in the consumer group (default: host-pid).")
    var workerID: String?

    @Option(help: "Sender loops in this process (chunks sent concurrently).")
    var concurrency = 2

    @Option(help: "The most messages one claim takes (a slow sender number claims fewer: see --claim-horizon-ms).")
    var batchSize = 100

    @Option(help: "A claim takes what the sender number may send in this many milliseconds (50-10000).")
    var claimHorizonMs = 1_000

    @Option(help: "How far ahead of its plain rate a sender number may send, in seconds of its rate (0-60).")
    var burstSeconds: Double = 1

    @Option(help: "Seconds a graceful shutdown may take before in-flight work is cancelled (1-600).")
    var drainSeconds = 20

    @Option(help: "Seconds after its claim an unknown message the carrier never created is sent again (10-86400).")
    var settleAfterSeconds = 120

    @OptionGroup var carrierOptions: CarrierOptions

    @OptionGroup var budgetOptions: CarrierBudgetOptions

    @Option(help: "Simulated carrier latency per batch, in milliseconds.")
    var simLatencyMilliseconds = 0

    @OptionGroup var publicURLOptions: PublicURLOptions

    func validate() throws {
        _ = try FlagValidation.count(leaseSeconds, flag: "lease-seconds", in: 1...3_600, unit: "seconds")
        _ = try FlagValidation.milliseconds(claimHorizonMs, flag: "claim-horizon-ms", in: 50...10_000)
        _ = try FlagValidation.number(burstSeconds, flag: "burst-seconds", in: 0...60, unit: "seconds")
        _ = try FlagValidation.count(drainSeconds, flag: "drain-seconds", in: 1...600, unit: "seconds")
        _ = try FlagValidation.count(settleAfterSeconds, flag: "settle-after-seconds", in: 10...86_400, unit: "seconds")
        _ = try FlagValidation.count(concurrency, flag: "concurrency", in: 1...256, unit: "sender loops")
        _ = try FlagValidation.count(batchSize, flag: "batch-size", in: 1...10_000, unit: "messages")
        _ = try FlagValidation.count(chunkSize, flag: "chunk-size", in: 1...1_000_000, unit: "contacts")
        _ = try FlagValidation.milliseconds(simLatencyMilliseconds, flag: "sim-latency-milliseconds", in: 0...60_000)
        // A message may wait for a carrier permit before its request starts.
        let bound = senderConfiguration(workerID: "check", callbackBase: nil)
            .claimHoldBound(carrierTimeout: carrierOptions.requestTimeout + budgetOptions.permitWait)
        guard bound * 4 <= StaleClaimSweeper.defaultLease else {
            throw ValidationError(
                "a claim could be held for \(bound), too close to the scheduler's claim lease "
                    + "(\(StaleClaimSweeper.defaultLease)): lower --claim-horizon-ms, --carrier-timeout-seconds "
                    + "or --carrier-permit-wait-seconds")
        }
    }

    /// `--public-url`, else `AMPLIFI_PUBLIC_URL`, checked (``PublicURLOptions``); nil when unset.
    func resolvedPublicURL() throws -> String? { try publicURLOptions.resolved() }

    /// The sender loops' configuration.
    func senderConfiguration(workerID: String, callbackBase: String?) -> ChunkSenderConfiguration {
        ChunkSenderConfiguration(
            workerID: workerID, batchSize: batchSize, claimHorizon: .milliseconds(claimHorizonMs),
            burstSeconds: burstSeconds, leaseSeconds: Double(leaseSeconds), statusCallbackBaseURL: callbackBase)
    }

    func run() async throws {
        let runtime = try RoleRuntime.start(role: "worker", admin: admin)
        let logger = runtime.logger
        let id = workerID ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        let (databaseURL, redisURL) = (try database.resolvedURL(), try redis.resolvedURL())
        let publicURL = try resolvedPublicURL()
        let carrierName = try carrierOptions.resolvedName()
        runtime.logStartup([
            "worker_id": "\(id)", "carrier": "\(carrierName)",
            "carrier_endpoint": "\(try carrierOptions.endpointDescription())", "sender_loops": "\(concurrency)",
            "database": "\(RedactedURL.describe(databaseURL))", "redis": "\(RedactedURL.describe(redisURL))",
            "public_url": "\(publicURL.map(RedactedURL.describe) ?? "none")",
        ])
        if carrierName == "twilio", publicURL == nil {
            logger.warning(
                """
                no AMPLIFI_PUBLIC_URL: Twilio gets no StatusCallback, so delivery statuses arrive only through \
                backfill-status; set AMPLIFI_PUBLIC_URL to the receiver's public base URL
                """)
        }
        // The planner and the settler each hold one connection for their advisory lock while they work.
        let client = PostgresClient(
            url: databaseURL, maxConnections: try pools.postgres(roleDefault: 4 + concurrency, minimum: 3))
        let redisClient = try RedisClient(url: redisURL, maxConnections: try pools.redis(roleDefault: 2 + concurrency))
        let keys = redis.keys
        let planner = CampaignPlannerService(
            client: client, redis: redisClient, keys: keys,
            workerID: id, chunkSize: chunkSize, leaseTimeout: .seconds(leaseSeconds), logger: logger)
        let callbackBase = publicURL.map(ReceiverConfiguration.statusCallbackBase(publicURL:))
        let latency: SimulatedLatency =
            simLatencyMilliseconds > 0 ? .fixed(.milliseconds(simLatencyMilliseconds)) : .none
        // The holder name is unique per process even when two workers are given the same --worker-id.
        let holder = "\(id)/\(UUID().uuidString.prefix(8).lowercased())"
        let budgeted: (any Carrier) throws -> any Carrier = {
            try budgetOptions.budgeted($0, redis: redisClient, keys: keys, holder: holder, logger: logger)
        }
        try await carrierOptions.withCarrier(
            logger: logger, simulatedLatency: latency, maxConcurrentRequests: try budgetOptions.resolvedMaxInFlight(),
            wrap: budgeted
        ) { carrier in
            let senders = ChunkSenderService(
                client: client, redis: redisClient, carrier: carrier, keys: keys,
                configuration: senderConfiguration(workerID: id, callbackBase: callbackBase), loops: concurrency,
                logger: logger)
            let settler = UnknownSettlerService(
                client: client, carrier: carrier, settleAfter: .seconds(settleAfterSeconds), logger: logger)
            // Shut down in reverse order: the senders first (all loops at once), then the settler and
            // the planner; the admin server last, so the drain stays observable.
            let admin = try runtime.adminServices(checks: DependencyCheck.standard(client: client, redis: redisClient))
            try await runServices(
                admin + [planner, settler, senders], logger: logger, drain: .seconds(drainSeconds))
        }
        await client.close()
        await redisClient.close()
    }
}

/// Runs long-lived services until SIGTERM or SIGINT asks them to shut down gracefully. Past
/// `drain` (default 20 s, below Kubernetes' 30 s grace period) the services still running are
/// cancelled, so every role exits within a known bound.
func runServices(_ services: [any Service], logger: Logger, drain: Duration = .seconds(20)) async throws {
    var configuration = ServiceGroupConfiguration(
        services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger)
    configuration.maximumGracefulShutdownDuration = drain
    try await ServiceGroup(configuration: configuration).run()
}
