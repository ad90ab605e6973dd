import AmplifiCarriers
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Posts Twilio-style webhooks (status callbacks, inbound messages): form-encoded, signed with
/// `X-Twilio-Signature`, over one shared `HTTPClient`, retrying connection failures and 5xx with backoff.
final class SignedWebhookPoster: Sendable {
    private let client: HTTPClient
    private let signature: TwilioSignature
    private let retries: Int
    private let logger: Logger

    /// A poster signing with `authToken`, keeping up to `maxConnections` connections per host.
    init(authToken: String, maxConnections: Int, retries: Int, logger: Logger) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(10))
        configuration.connectionPool = .init(
            idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnections)
        configuration.redirectConfiguration = .disallow
        // A receiver that is down answers with a refused connection: fail the attempt at once
        // (this type retries with its own backoff) instead of waiting inside the pool.
        configuration.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.signature = TwilioSignature(authToken: authToken)
        self.retries = retries
        self.logger = logger
    }

    /// Posts `fields` to `url`, signed for exactly that URL; the final HTTP status, or nil when
    /// every attempt failed to get an answer. A 5xx or a connection failure is retried after
    /// 50 ms, 100 ms, 200 ms, …
    func post(url: String, fields: [(key: String, value: String)]) async -> Int? {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: TwilioMessageRequest.contentType)
        request.headers.add(name: "X-Twilio-Signature", value: signature.signature(url: url, parameters: fields))
        request.headers.add(name: "User-Agent", value: "TwilioProxy/1.1 (amplifi carrier-sim)")
        request.body = .bytes(ByteBuffer(string: FormURLEncoding.encode(fields)))
        var status: Int?
        for attempt in 0...retries {
            if attempt > 0 {
                do {
                    try await Task.sleep(for: .milliseconds(50 << (attempt - 1)))
                } catch {
                    return status
                }
            }
            do {
                let response = try await client.execute(request, timeout: .seconds(10))
                // Drain the (small) answer so the connection goes back to the pool.
                _ = try? await response.body.collect(upTo: 64 * 1024)
                status = Int(response.status.code)
                if let status, status < 500 { return status }
            } catch {
                logger.debug("webhook post failed", metadata: ["attempt": "\(attempt)"])
            }
            if Task.isCancelled { return status }
        }
        return status
    }

    /// Closes the client's connections.
    func shutdown() async {
        try? await client.shutdown()
    }
}
