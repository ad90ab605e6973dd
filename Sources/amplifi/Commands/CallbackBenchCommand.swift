import AmplifiCarriers
import AmplifiEngine
import AmplifiLocalServers
import AmplifiMessaging
import AmplifiPostgres
import AmplifiReceiver
import AmplifiRedis
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// `amplifi bench callbacks`: status reports applied per second, by the applier alone (batches of
/// 500) and through the receiver over HTTP (signed callbacks from concurrent clients, group commit).
struct CallbackBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "callbacks",
        abstract:
            "Status callbacks/s: DeliveryStatusApplier alone, then signed callbacks through the receiver over HTTP.")

    @Option(help: "Messages per phase (each gets one 'delivered' report).")
    var messages = 20_000

    @Option(help: "Concurrent HTTP clients posting callbacks.")
    var concurrency = 64

    func validate() throws {
        _ = try FlagValidation.count(messages, flag: "messages", in: 1...10_000_000, unit: "messages")
        _ = try FlagValidation.count(concurrency, flag: "concurrency", in: 1...1_024, unit: "clients")
    }

    func run() async throws {
        var logger = Logger(label: "amplifi.bench")
        logger.logLevel = .warning
        let postgres = try await BenchDatabase.start(logger: logger)
        defer { postgres.stop() }
        let client = PostgresClient(url: postgres.url(), maxConnections: 8, logger: logger)
        let rows = try await CallbackBenchRows.make(client, campaigns: 2, messagesEach: messages)
        let (direct, overHTTP) = (rows.phases[0], rows.phases[1])
        print("callback benchmark: \(messages) messages per phase, Postgres on this machine")

        let applier = DeliveryStatusApplier(client: client, logger: logger)
        let clock = ContinuousClock()
        var started = clock.now
        for page in stride(from: 0, to: direct.count, by: 500) {
            let events = direct[page..<min(page + 500, direct.count)].map { id in
                DeliveryEvent(
                    orgID: rows.org, messageID: id,
                    report: CarrierStatusReport(providerMessageID: "SMbench\(id)", status: .delivered),
                    raw: [], source: .callback)
            }
            _ = try await applier.apply(events)
        }
        let directSeconds = Self.seconds(clock.now - started)
        print(
            "  applier alone, batches of 500:  \(Saturating.int(Double(direct.count) / directSeconds, rounding: .down)) reports/s"
        )

        let port = try LocalNetwork.freePort()
        let token = "bench-token"
        let metrics = ReceiverMetrics()
        // The receiver paces auto-replies through Redis (none are sent here, but it needs one).
        let redisServer = try await LocalRedisServer.start()
        defer { redisServer.stop() }
        let redis = try RedisClient(url: redisServer.url, maxConnections: 2, logger: logger)
        let receiver = ReceiverServer(
            configuration: ReceiverConfiguration(port: port, publicURL: "http://127.0.0.1:\(port)", authToken: token),
            client: client, redis: redis, carrier: SimulatedCarrier(logger: logger), logger: logger, metrics: metrics)
        let group = receiver.serviceGroup()
        let running = Task { try await group.run() }
        try await LocalNetwork.waitUntil("the receiver", timeout: 30) { LocalNetwork.isListening(port: port) }
        var http = HTTPClient.Configuration()
        http.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
        let httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
        let signer = TwilioSignature(authToken: token)
        started = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { tasks in
            for lane in 0..<concurrency {
                tasks.addTask {
                    var latencies: [Duration] = []
                    for index in stride(from: lane, to: overHTTP.count, by: concurrency) {
                        let id = overHTTP[index]
                        let url = CallbackBenchRows.callbackURL(port: port, org: rows.org, id: id)
                        let fields: [(key: String, value: String)] = [
                            ("MessageSid", "SMbench\(id)"), ("MessageStatus", "delivered"), ("SmsStatus", "delivered"),
                        ]
                        var request = HTTPClientRequest(url: url)
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: TwilioMessageRequest.contentType)
                        request.headers.add(
                            name: "X-Twilio-Signature", value: signer.signature(url: url, parameters: fields))
                        request.body = .bytes(ByteBuffer(string: FormURLEncoding.encode(fields)))
                        let sent = clock.now
                        let response = try await httpClient.execute(request, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 16)
                        guard response.status == .ok else {
                            throw ValidationError("receiver answered \(response.status)")
                        }
                        latencies.append(clock.now - sent)
                    }
                    return latencies
                }
            }
            return try await tasks.reduce(into: []) { $0 += $1 }
        }
        let httpSeconds = Self.seconds(clock.now - started)
        try await httpClient.shutdown()
        await group.triggerGracefulShutdown()
        try await running.value
        let sorted = latencies.sorted()
        let batches =
            metrics.render().split(separator: "\n")
            .first { $0.hasPrefix("amplifi_receiver_status_batches_total ") }
            .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        let applied = try await client.query(
            """
            SELECT count(*)::int FROM campaign_messages
            WHERE org_id = \(rows.org) AND id = ANY(\(overHTTP)::bigint[]) AND status = 'delivered'
            """
        )[0].decode(Int.self, at: 0)
        print(
            "  receiver over HTTP, \(concurrency) clients: \(Saturating.int(Double(overHTTP.count) / httpSeconds, rounding: .down)) callbacks/s, "
                + "\(batches) batches (mean \(overHTTP.count / max(batches, 1)) reports), latency p50 "
                + "\(Self.milliseconds(sorted[sorted.count / 2])) ms, p99 \(Self.milliseconds(sorted[sorted.count * 99 / 100])) ms; "
                + "\(applied)/\(overHTTP.count) applied")
        await redis.close()
        await client.close()
    }

    private static func seconds(_ duration: Duration) -> Double {
        duration.asSeconds
    }

    private static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.1f", seconds(duration) * 1000)
    }
}

/// The benchmarks' status-callback targets: an org whose sending campaigns hold `sent` messages
/// with sids `SMbench<id>`, ready to be reported `delivered`.
struct CallbackBenchRows {
    /// The organization of every row.
    let org: UUID
    /// The message ids of each campaign, sorted.
    let phases: [[Int64]]

    /// The callback URL a worker gives the carrier for message `id` of `org`, on a receiver at `port`.
    static func callbackURL(port: Int, org: UUID, id: Int64) -> String {
        StatusCallbackTarget.url(
            base: "http://127.0.0.1:\(port)\(ReceiverRoutes.statusPath)", orgID: org, messageID: id)
    }

    /// An org with `campaigns` sending campaigns of `messagesEach` rows.
    static func make(_ client: PostgresClient, campaigns: Int, messagesEach messages: Int) async throws
        -> CallbackBenchRows
    {
        let org = try await client.query(
            "INSERT INTO organizations (name, timezone) VALUES ('bench', 'UTC') RETURNING id")[0].decode(
                UUID.self, at: 0)
        try await client.query(
            "INSERT INTO phone_numbers (org_id, e164, is_default, mps, kind) VALUES (\(org), '+19195550100', true, 1000, 'short_code')"
        )
        try await client.query(
            """
            INSERT INTO contacts (org_id, phone, is_textable)
            SELECT \(org), '+1919' || (2000000 + n)::text, true FROM generate_series(1, \(campaigns * messages)) n
            """)
        var phases: [[Int64]] = []
        for phase in 0..<campaigns {
            let campaign = try await client.query(
                """
                INSERT INTO campaigns (org_id, name, message, contact_filter, status, sent_count)
                VALUES (\(org), 'bench', 'Hi', '{}'::jsonb, 'sending', \(messages)) RETURNING id
                """)[0].decode(UUID.self, at: 0)
            try await client.query(
                """
                INSERT INTO campaign_messages (org_id, campaign_id, contact_id, phone, status, sent_at)
                SELECT \(org), \(campaign), c.id, c.phone, 'sent', now()
                FROM contacts c WHERE c.org_id = \(org)
                ORDER BY c.phone OFFSET \(phase * messages) LIMIT \(messages)
                """)
            // The sid needs the row's id, so it is set by a second statement.
            let ids = try await client.query(
                """
                UPDATE campaign_messages SET provider_message_id = 'SMbench' || id
                WHERE org_id = \(org) AND campaign_id = \(campaign)
                RETURNING id
                """
            ).map { try $0.decode(Int64.self, at: 0) }
            phases.append(ids.sorted())
        }
        return CallbackBenchRows(org: org, phases: phases)
    }
}
