import AmplifiCarriers
import AmplifiEngine
import AmplifiHTTP
import AmplifiReceiver
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The receiver's routes in memory (HummingbirdTesting's `.router`, no socket): refusals carry the
/// platform's error body, with the request id that `X-Request-Id` returns.
@Suite struct ReceiverRoutesTests {
    /// The error body's fields.
    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            var code: String
            var message: String
            var requestID: String

            enum CodingKeys: String, CodingKey {
                case code, message
                case requestID = "request_id"
            }
        }
        var success: Bool
        var error: Detail
    }

    /// Runs `body` against the routes of a receiver over the test database (its services are not
    /// started: nothing is probed or batched).
    private func withRoutes(
        maxInFlight: Int = 16, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await withTestDatabase { client, _ in
            let redis = try RedisClient(url: try await TestRedis.shared.url(), maxConnections: 1)
            let server = ReceiverServer(
                configuration: ReceiverConfiguration(
                    port: 0, publicURL: "http://receiver.test", authToken: "token", maxInFlight: maxInFlight),
                client: client, redis: redis, keys: QueueKeys(prefix: TestRedis.shared.keyPrefix()),
                carrier: SimulatedCarrier(configuration: SimulatedCarrierConfiguration(), logger: Logger(label: "t")),
                logger: Logger(label: "receiver-routes-test"))
            try await Application(router: server.router()).test(.router, body)
            await redis.close()
        }
    }

    @Test func anUnsignedCallbackIsRefusedWithTheErrorBodyAndItsRequestID() async throws {
        try await withRoutes { client in
            try await client.execute(
                uri: "/twilio/status", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "MessageSid=SM1&MessageStatus=delivered")
            ) { response in
                #expect(response.status == .forbidden)
                let body = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
                #expect(body.success == false)
                #expect(body.error.code == "SIGNATURE_MISSING")
                #expect(body.error.requestID.utf8.count == 26)
                #expect(response.headers[.requestID] == body.error.requestID)
            }
        }
    }

    @Test func aWrongSignatureIsRefused() async throws {
        try await withRoutes { client in
            try await client.execute(
                uri: "/twilio/inbound", method: .post,
                headers: [
                    .contentType: "application/x-www-form-urlencoded",
                    HTTPField.Name("X-Twilio-Signature")!: "bm90IGEgc2lnbmF0dXJl",
                ],
                body: ByteBuffer(string: "MessageSid=SM1&From=%2B19195550100&To=%2B19195550101&Body=YES")
            ) { response in
                #expect(response.status == .forbidden)
                let body = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
                #expect(body.error.code == "SIGNATURE_INVALID")
                #expect(body.error.message.contains("AMPLIFI_PUBLIC_URL"))
            }
        }
    }

    @Test func healthAnswersAndEveryResponseCarriesARequestID() async throws {
        try await withRoutes { client in
            try await client.execute(uri: "/livez", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ok\n")
                #expect(response.headers[.requestID]?.utf8.count == 26)
            }
            // The probe service is not running here: not probed yet.
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "2")
                let body = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
                #expect(body.error.code == "NOT_READY")
                #expect(body.error.message == "dependencies not probed yet")
            }
        }
    }
}
