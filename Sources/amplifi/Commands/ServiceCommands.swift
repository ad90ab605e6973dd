import AmplifiCarriers
import AmplifiEngine
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

    @Option(help: "Milliseconds between ticks.")
    var tickMilliseconds = 500

    @Option(help: "Ticks between reconciliations (Redis rebuilt from Postgres, stale claims swept).")
    var reconcileEvery = 20

    @Option(help: "Seconds a claimed row may stay 'sending' before it is marked 'unknown' (never resent).")
    var claimLeaseSeconds = 300

    func run() async throws {
        let logger = Logger(label: "amplifi.scheduler")
        let client = PostgresClient(url: try database.resolvedURL(), maxConnections: 4)
        let redisClient = try RedisClient(url: try redis.resolvedURL(), maxConnections: 4)
        let service = SchedulerService(
            client: client, redis: redisClient, keys: QueueKeys(prefix: Environment.value("AMPLIFI_REDIS_PREFIX") ?? "amplifi:"),
            tick: .milliseconds(tickMilliseconds), reconcileEvery: reconcileEvery,
            claimLease: .seconds(claimLeaseSeconds), logger: logger)
        try await runServices([service], logger: logger)
        await client.close()
        await redisClient.close()
    }
}

/// `amplifi worker`: plans admitted campaigns and sends their chunks.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Plan admitted campaigns into chunk jobs and send chunks through the carrier.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var redis: RedisOptions

    @Option(help: "Contacts per chunk job.")
    var chunkSize = 1_000

    @Option(help: "Seconds an admission may stay unacknowledged before another worker takes it over.")
    var leaseSeconds = 60

    @Option(help: "Worker id in the consumer group (default: host-pid).")
    var workerID: String?

    @Option(help: "Chunks sent concurrently by this process.")
    var concurrency = 2

    @Option(help: "Messages per send batch.")
    var batchSize = 100

    @OptionGroup var carrierOptions: CarrierOptions

    @Option(help: "Simulated carrier latency per batch, in milliseconds.")
    var simLatencyMilliseconds = 0

    @Option(help: "Where the carrier reaches `amplifi receiver`; status callbacks go to <url>/twilio/status/<id>. Default: $AMPLIFI_PUBLIC_URL (unset: no callbacks).")
    var publicURL: String?

    func run() async throws {
        let logger = Logger(label: "amplifi.worker")
        let id = workerID ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        let client = PostgresClient(url: try database.resolvedURL(), maxConnections: 6)
        let redisClient = try RedisClient(url: try redis.resolvedURL(), maxConnections: 4)
        let planner = CampaignPlannerService(
            client: client, redis: redisClient, keys: QueueKeys(prefix: Environment.value("AMPLIFI_REDIS_PREFIX") ?? "amplifi:"),
            workerID: id, chunkSize: chunkSize, leaseTimeout: .seconds(leaseSeconds), logger: logger)
        let callbackBase = (publicURL ?? Environment.value("AMPLIFI_PUBLIC_URL")).flatMap { $0.isEmpty ? nil : $0 }
            .map(ReceiverConfiguration.statusCallbackBase(publicURL:))
        let latency: SimulatedLatency = simLatencyMilliseconds > 0 ? .fixed(.milliseconds(simLatencyMilliseconds)) : .none
        try await carrierOptions.withCarrier(logger: logger, simulatedLatency: latency) { carrier in
            let senders: [any Service] = (0..<max(1, concurrency)).map { index in
                ChunkSenderService(
                    client: client, redis: redisClient, carrier: carrier,
                    keys: QueueKeys(prefix: Environment.value("AMPLIFI_REDIS_PREFIX") ?? "amplifi:"),
                    configuration: ChunkSenderConfiguration(
                        workerID: "\(id)/\(index)", batchSize: batchSize, leaseSeconds: Double(leaseSeconds),
                        statusCallbackBaseURL: callbackBase),
                    logger: logger)
            }
            try await runServices([planner] + senders, logger: logger)
        }
        await client.close()
        await redisClient.close()
    }
}

/// Runs long-lived services until SIGTERM or SIGINT asks them to shut down gracefully.
func runServices(_ services: [any Service], logger: Logger) async throws {
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
    try await group.run()
}
