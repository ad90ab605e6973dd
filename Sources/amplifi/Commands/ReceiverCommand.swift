import AmplifiCarrierSimulator
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

/// `amplifi receiver`: takes signed status callbacks and inbound messages until SIGTERM/SIGINT.
struct ReceiverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receiver",
        abstract: "Receive signed status callbacks and inbound messages (opt-outs, replies, auto-replies).",
        discussion: """
            Point the carrier at it: status callbacks go to <public URL>/twilio/status/<org id>/<message id> \
            (workers set this when AMPLIFI_PUBLIC_URL is set; <public URL>/twilio/status/<message id>, the \
            URL of messages sent before migration 011, is still accepted), inbound messages to <public URL>/twilio/inbound (the \
            messaging webhook of your numbers). GET /livez (the process answers), /readyz and /healthz \
            (Postgres and Redis answered the last background probe) are served too, for a load balancer; \
            /metrics is on the admin port only (--admin-port).
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var redis: RedisOptions
    @OptionGroup var admin: AdminOptions
    @OptionGroup var pools: PoolSizeOptions

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port: Int

    /// The URL the carrier posts to; unset: http://<host>:<port> (a local test).
    @OptionGroup var publicURLOptions: PublicURLOptions

    @Option(
        help:
            "Seconds a connection may stay idle (no request, or a request that stopped arriving) before it is closed (1-3600)."
    )
    var idleTimeoutSeconds = 30

    @Option(help: "Seconds a request's headers may take to arrive, from its first byte (1-600).")
    var headerTimeoutSeconds = 5

    @Option(help: "Seconds a request's body may take to arrive, once its headers are in (1-600).")
    var bodyTimeoutSeconds = 10

    @Option(help: "Connections open at once; more wait in the listen backlog (1-100000).")
    var maxConnections = 2_048

    @Option(help: "Webhook requests handled at once; more are answered 503 with Retry-After at once (1-1000000).")
    var maxInFlight = 4_096

    @Option(help: "Status reports waiting for a batch; more are answered 503 (the database is behind) (500-1000000).")
    var maxQueuedReports = 20_000

    @Flag(help: "Accept the carrier simulator's well-known demo auth token (only for a demo: anyone can sign with it).")
    var allowDemoToken = false

    @OptionGroup var carrierOptions: CarrierOptions

    func validate() throws {
        _ = try FlagValidation.count(idleTimeoutSeconds, flag: "--idle-timeout-seconds", in: 1...3_600, unit: "seconds")
        _ = try FlagValidation.count(
            headerTimeoutSeconds, flag: "--header-timeout-seconds", in: 1...600, unit: "seconds")
        _ = try FlagValidation.count(bodyTimeoutSeconds, flag: "--body-timeout-seconds", in: 1...600, unit: "seconds")
        _ = try FlagValidation.count(maxConnections, flag: "--max-connections", in: 1...100_000, unit: "connections")
        _ = try FlagValidation.count(maxInFlight, flag: "--max-in-flight", in: 1...1_000_000, unit: "requests")
        _ = try FlagValidation.count(
            maxQueuedReports, flag: "--max-queued-reports", in: 500...1_000_000, unit: "reports")
        _ = try Self.authToken(allowDemoToken: allowDemoToken)
    }

    func run() async throws {
        let metrics = ReceiverMetrics()
        let runtime = try RoleRuntime.start(
            role: "receiver", admin: admin, metrics: RoleMetrics(registry: metrics.registry))
        let logger = runtime.logger
        let authToken = try Self.authToken(allowDemoToken: allowDemoToken)
        let publicURL = try publicURLOptions.resolved() ?? "http://\(host):\(port)"
        let (databaseURL, redisURL) = (try database.resolvedURL(), try redis.resolvedURL())
        runtime.logStartup([
            "carrier": "\(try carrierOptions.resolvedName())", "public_url": "\(RedactedURL.describe(publicURL))",
            "database": "\(RedactedURL.describe(databaseURL))", "redis": "\(RedactedURL.describe(redisURL))",
        ])
        let client = PostgresClient(url: databaseURL, maxConnections: try pools.postgres(roleDefault: 6))
        // Auto-replies take their sender number's rate reservations in the workers' buckets.
        let redisClient = try RedisClient(url: redisURL, maxConnections: try pools.redis(roleDefault: 4))
        let keys = redis.keys
        let configuration = ReceiverConfiguration(
            host: host, port: port, publicURL: publicURL, authToken: authToken, maxQueued: maxQueuedReports,
            limits: HTTPServerLimits(
                idleTimeout: .seconds(idleTimeoutSeconds), headerTimeout: .seconds(headerTimeoutSeconds),
                bodyTimeout: .seconds(bodyTimeoutSeconds), maxConnections: maxConnections),
            maxInFlight: maxInFlight)
        try await carrierOptions.withCarrier(logger: logger) { carrier in
            let receiver = ReceiverServer(
                configuration: configuration, client: client, redis: redisClient, keys: keys, carrier: carrier,
                logger: logger, metrics: metrics
            ) { boundPort in
                print("receiver listening on http://\(configuration.host):\(boundPort) (public URL \(publicURL))")
                fflush(nil)
            }
            let admin = try runtime.adminServices(checks: DependencyCheck.standard(client: client, redis: redisClient))
            try await runServices(admin + receiver.services(), logger: logger)
        }
        await client.close()
        await redisClient.close()
    }

    /// `TWILIO_AUTH_TOKEN`, refused when missing, or when it is the carrier simulator's published demo
    /// token and this is not a demo (anyone could sign an opt-out or a status with it).
    static func authToken(allowDemoToken: Bool) throws -> String {
        guard let authToken = Environment.value("TWILIO_AUTH_TOKEN"), !authToken.isEmpty else {
            throw ValidationError(
                "TWILIO_AUTH_TOKEN is not set: the receiver checks X-Twilio-Signature with the account's auth token")
        }
        if authToken == CarrierSimulatorConfiguration.demoAuthToken && !allowDemoToken {
            throw ValidationError(
                "TWILIO_AUTH_TOKEN is the carrier simulator's published demo token, which anyone can sign with: "
                    + "set the account's real auth token, or pass --allow-demo-token for a demo")
        }
        return authToken
    }
}
