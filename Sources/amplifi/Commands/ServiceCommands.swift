import AmplifiEngine
import AmplifiPostgres
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

    func run() async throws {
        let logger = Logger(label: "amplifi.scheduler")
        let client = PostgresClient(url: try database.resolvedURL(), maxConnections: 4)
        let redisClient = try RedisClient(url: try redis.resolvedURL(), maxConnections: 4)
        let service = SchedulerService(
            client: client, redis: redisClient, keys: QueueKeys(prefix: Environment.value("AMPLIFI_REDIS_PREFIX") ?? "amplifi:"),
            tick: .milliseconds(tickMilliseconds), logger: logger)
        try await runServices([service], logger: logger)
        await client.close()
        await redisClient.close()
    }
}

/// `amplifi worker`: plans admitted campaigns (and, with the send pipeline, sends them).
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Claim admitted campaigns, expand their audiences and emit chunk jobs.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var redis: RedisOptions

    @Option(help: "Contacts per chunk job.")
    var chunkSize = 1_000

    @Option(help: "Seconds an admission may stay unacknowledged before another worker takes it over.")
    var leaseSeconds = 60

    @Option(help: "Worker id in the consumer group (default: host-pid).")
    var workerID: String?

    func run() async throws {
        let logger = Logger(label: "amplifi.worker")
        let id = workerID ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        let client = PostgresClient(url: try database.resolvedURL(), maxConnections: 6)
        let redisClient = try RedisClient(url: try redis.resolvedURL(), maxConnections: 4)
        let planner = CampaignPlannerService(
            client: client, redis: redisClient, keys: QueueKeys(prefix: Environment.value("AMPLIFI_REDIS_PREFIX") ?? "amplifi:"),
            workerID: id, chunkSize: chunkSize, leaseTimeout: .seconds(leaseSeconds), logger: logger)
        try await runServices([planner], logger: logger)
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
