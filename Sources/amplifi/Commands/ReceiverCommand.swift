import AmplifiCarriers
import AmplifiEngine
import AmplifiPostgres
import AmplifiReceiver
import AmplifiRedis
import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus

/// `amplifi receiver`: takes signed status callbacks and inbound messages until SIGTERM/SIGINT.
struct ReceiverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receiver",
        abstract: "Receive signed status callbacks and inbound messages (opt-outs, replies, auto-replies).",
        discussion: """
            Point the carrier at it: status callbacks go to <public URL>/twilio/status/<message id> (workers \
            set this when AMPLIFI_PUBLIC_URL is set), inbound messages to <public URL>/twilio/inbound (the \
            messaging webhook of your numbers). GET /healthz and /metrics (Prometheus) are served too.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var redis: RedisOptions

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port: Int

    @Option(help: "The URL the carrier posts to (Twilio signs it). Default: $AMPLIFI_PUBLIC_URL, else http://<host>:<port>.")
    var publicURL: String?

    @OptionGroup var carrierOptions: CarrierOptions

    func run() async throws {
        let logger = Logger(label: "amplifi.receiver")
        guard let authToken = Environment.value("TWILIO_AUTH_TOKEN"), !authToken.isEmpty else {
            throw ValidationError(
                "TWILIO_AUTH_TOKEN is not set: the receiver checks X-Twilio-Signature with the account's auth token")
        }
        let publicURL = publicURL ?? Environment.value("AMPLIFI_PUBLIC_URL") ?? "http://\(host):\(port)"
        let metrics = ReceiverMetrics()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))
        let client = PostgresClient(url: try database.resolvedURL(), maxConnections: 6)
        // Auto-replies take their sender number's rate reservations in the workers' buckets.
        let redisClient = try RedisClient(url: try redis.resolvedURL(), maxConnections: 4)
        let keys = redis.keys
        let configuration = ReceiverConfiguration(host: host, port: port, publicURL: publicURL, authToken: authToken)
        try await carrierOptions.withCarrier(logger: logger) { carrier in
            let receiver = ReceiverServer(
                configuration: configuration, client: client, redis: redisClient, keys: keys, carrier: carrier,
                logger: logger, metrics: metrics
            ) { boundPort in
                print("receiver listening on http://\(configuration.host):\(boundPort) (public URL \(publicURL))")
                fflush(nil)
            }
            try await runServices(receiver.services(), logger: logger)
        }
        await client.close()
        await redisClient.close()
    }
}
