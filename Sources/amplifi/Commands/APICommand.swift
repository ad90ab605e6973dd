import AmplifiAPI
import AmplifiHTTP
import AmplifiObservability
import AmplifiPostgres
import AmplifiReceiver
import AmplifiRedis
import ArgumentParser
import Foundation
import Logging

/// `amplifi api`: the HTTP API role, until SIGTERM/SIGINT.
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Serve the HTTP API (campaigns; Authorization: Bearer am_live_… keys from amplifi api-key create).",
        discussion: """
            Stateless: run any number of replicas behind a load balancer. /livez and /readyz are served on \
            the API port too; /metrics on the admin port (--admin-port). Test sends \
            (POST /api/campaigns/{id}/test) and the team's replies go out through the carrier \
            (AMPLIFI_CARRIER / --carrier); with AMPLIFI_PUBLIC_URL their delivery statuses come back to \
            amplifi receiver at that URL.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var redis: RedisOptions
    @OptionGroup var admin: AdminOptions
    @OptionGroup var pools: PoolSizeOptions
    @OptionGroup var carrierOptions: CarrierOptions
    /// Where the receiver is, for the status callbacks of test sends and replies.
    @OptionGroup var publicURLOptions: PublicURLOptions

    @Option(help: "Port to listen on (0 picks a free one, printed at start).")
    var port = 8081

    @Option(help: "Address to bind (0.0.0.0 in a pod).")
    var host = "127.0.0.1"

    @Option(help: "Requests a second one API key may make, across every replica (1-100000).")
    var keyRate = 50

    func validate() throws {
        _ = try FlagValidation.count(port, flag: "port", in: 0...65_535, unit: "")
        _ = try FlagValidation.count(keyRate, flag: "key-rate", in: 1...100_000, unit: "requests per second")
    }

    func run() async throws {
        let runtime = try RoleRuntime.start(role: "api", admin: admin)
        let logger = runtime.logger
        let (databaseURL, redisURL) = (try database.resolvedURL(), try redis.resolvedURL())
        runtime.logStartup([
            "database": "\(RedactedURL.describe(databaseURL))", "redis": "\(RedactedURL.describe(redisURL))",
            "carrier": "\(try carrierOptions.resolvedName())",
            "carrier_endpoint": "\(try carrierOptions.endpointDescription())",
            "public_url": "\(try publicURLOptions.resolved().map(RedactedURL.describe) ?? "none")",
        ])
        let callbackBase = try publicURLOptions.resolved().map(ReceiverConfiguration.statusCallbackBase(publicURL:))
        let client = PostgresClient(url: databaseURL, maxConnections: try pools.postgres(roleDefault: 8))
        let redisClient = try RedisClient(url: redisURL, maxConnections: try pools.redis(roleDefault: 4))
        let (host, port, keyRate, keys) = (host, port, keyRate, redis.keys)
        try await carrierOptions.withCarrier(logger: logger) { carrier in
            let server = APIServer(
                configuration: .init(
                    host: host, port: port, keyRequestsPerSecond: keyRate,
                    carrierName: try carrierOptions.resolvedName(), statusCallbackBase: callbackBase),
                client: client,
                redis: redisClient, keys: keys, carrier: carrier, logger: logger
            ) { bound in
                print("api listening on http://\(host):\(bound)")
                fflush(nil)
            }
            let admin = try runtime.adminServices(
                checks: DependencyCheck.standard(client: client, redis: redisClient))
            try await runServices(admin + server.services(), logger: logger)
        }
        await client.close()
        await redisClient.close()
    }
}
