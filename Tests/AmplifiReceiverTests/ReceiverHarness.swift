import AmplifiCarriers
import AmplifiEngine
import AmplifiHTTP
import AmplifiLocalServers
import AmplifiPostgres
import AmplifiReceiver
import AmplifiRedis
import AmplifiTestSupport
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// A receiver running in-process on a free port over a test database, plus a signed-request client.
struct ReceiverHarness {
    static let authToken = "receiver-test-token"
    let client: PostgresClient
    let port: Int
    let metrics: ReceiverMetrics
    let carrier: SimulatedCarrier
    var publicURL: String { "http://127.0.0.1:\(port)" }

    /// Runs `body` with a receiver started over `client`; stops it afterwards.
    static func with<T: Sendable>(
        _ client: PostgresClient, stagedRetry: Duration = .milliseconds(100),
        limits: HTTPServerLimits = HTTPServerLimits(), maxInFlight: Int = 4_096,
        _ body: (ReceiverHarness) async throws -> T
    ) async throws -> T {
        let port = try LocalNetwork.freePort()
        let metrics = ReceiverMetrics()
        let redis = try RedisClient(url: try await TestRedis.shared.url(), maxConnections: 2)
        defer { Task { await redis.close() } }
        let carrier = SimulatedCarrier(
            configuration: SimulatedCarrierConfiguration(recordsLog: true), logger: Logger(label: "test"))
        let server = ReceiverServer(
            configuration: ReceiverConfiguration(
                port: port, publicURL: "http://127.0.0.1:\(port)", authToken: authToken,
                stagedRetryInterval: stagedRetry,
                limits: limits, maxInFlight: maxInFlight, readinessInterval: .milliseconds(200)),
            client: client, redis: redis,
            keys: QueueKeys(prefix: TestRedis.shared.keyPrefix()), carrier: carrier,
            logger: Logger(label: "receiver-test"),
            metrics: metrics)
        let harness = ReceiverHarness(client: client, port: port, metrics: metrics, carrier: carrier)
        let services = server.serviceGroup()
        let running = Task { try await services.run() }
        do {
            try await LocalNetwork.waitUntil("the receiver", timeout: 30) { LocalNetwork.isListening(port: port) }
            let result = try await body(harness)
            await services.triggerGracefulShutdown()
            try await running.value
            return result
        } catch {
            await services.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
    }

    /// A response's status and body.
    struct Reply {
        var status: Int
        var body: String
    }

    /// POSTs form `fields` to `path`, signed with `token` (nil: no signature header).
    func post(_ path: String, fields: [(key: String, value: String)], signWith token: String? = authToken) async throws
        -> Reply
    {
        var request = HTTPClientRequest(url: publicURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        if let token {
            request.headers.add(
                name: "X-Twilio-Signature",
                value: TwilioSignature(authToken: token).signature(url: publicURL + path, parameters: fields))
        }
        request.body = .bytes(ByteBuffer(string: FormURLEncoding.encode(fields)))
        return try await execute(request)
    }

    /// GETs `path`.
    func get(_ path: String) async throws -> Reply {
        try await execute(HTTPClientRequest(url: publicURL + path))
    }

    /// Waits until `/readyz` answers 200 (the first background probe has run).
    func waitUntilReady() async throws {
        try await LocalNetwork.waitUntil("the receiver ready", timeout: 30) {
            (try? await self.get("/readyz"))?.status == 200
        }
    }

    /// The value of a counter line of `/metrics` (`name` with its labels), 0 when absent.
    func counter(_ name: String) -> Int {
        metrics.render().split(separator: "\n").first { $0.hasPrefix(name + " ") }
            .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }

    private func execute(_ request: HTTPClientRequest) async throws -> Reply {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), body: String(buffer: body))
    }

    /// A status callback's fields, as Twilio posts them.
    static func statusFields(sid: String, status: String, errorCode: Int? = nil) -> [(key: String, value: String)] {
        var fields: [(key: String, value: String)] = [
            ("MessageSid", sid), ("SmsSid", sid), ("AccountSid", "AC00000000000000000000000000000000"),
            ("MessageStatus", status), ("SmsStatus", status), ("ApiVersion", "2010-04-01"),
        ]
        if let errorCode { fields.append(("ErrorCode", "\(errorCode)")) }
        return fields
    }
}
