public import AmplifiMessaging
import AsyncHTTPClient
public import Foundation
public import Logging
import NIOCore
import NIOHTTP1

/// The Twilio adapter: creates messages with `POST …/Messages.json` and fetches them with
/// `GET …/Messages/{Sid}.json`, over one shared keep-alive `HTTPClient`.
///
/// A batch's requests run concurrently, at most `maxConcurrentRequests` at once; every message gets a
/// result in the batch's order and `send` never throws. Call `shutdown()` once when done.
public final class TwilioCarrier: Carrier {
    /// The configuration it was made with (its `description` redacts the secrets).
    public let configuration: TwilioCarrierConfiguration
    /// The shared client: its pool keeps connections alive across batches.
    private let client: HTTPClient
    /// Computed once: the Basic auth header (a secret: never logged).
    private let authorization: String
    /// Computed once: the create URL.
    private let createURL: String
    private let logger: Logger

    /// The largest response body read (Twilio's message JSON is a few KB).
    private static let maxResponseBytes = 1 << 20

    /// A carrier for `configuration`, logging batch summaries (counts and codes only) at debug level.
    public init(configuration: TwilioCarrierConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.authorization = configuration.authorizationHeader
        self.createURL = configuration.messagesURL
        var http = HTTPClient.Configuration()
        http.timeout = .init(connect: Self.timeAmount(configuration.connectTimeout))
        // Keep-alive pool sized to the concurrency, so a batch reuses warm connections.
        http.connectionPool = .init(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConcurrentRequests)
        // Fail fast when the host is unreachable: the pipeline retries the batch with backoff,
        // which is better than every request waiting out its deadline inside the pool.
        http.connectionPool.retryConnectionEstablishment = false
        // A redirect would resend the POST elsewhere: never follow one, classify it instead.
        http.redirectConfiguration = .disallow
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
    }

    /// Closes the pool's connections; the carrier must not be used afterwards.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// Sends every message of `batch` concurrently (bounded) and returns the results in the batch's order.
    public func send(_ batch: [OutboundMessage]) async -> [SendResult] {
        guard !batch.isEmpty else { return [] }
        var results = [SendResult?](repeating: nil, count: batch.count)
        await withTaskGroup(of: (Int, SendResult).self) { group in
            var next = 0
            let initial = min(configuration.maxConcurrentRequests, batch.count)
            while next < initial {
                let index = next
                group.addTask { (index, await self.sendOne(batch[index])) }
                next += 1
            }
            while let (index, result) = await group.next() {
                results[index] = result
                if next < batch.count {
                    let index = next
                    group.addTask { (index, await self.sendOne(batch[index])) }
                    next += 1
                }
            }
        }
        let final = results.map { $0 ?? .failed(.connectionFailed) }
        if logger.logLevel <= .debug {
            let failed = final.filter { $0.error != nil }.count
            logger.debug(
                "twilio batch sent",
                metadata: ["messages": "\(batch.count)", "accepted": "\(batch.count - failed)", "failed": "\(failed)"])
        }
        return final
    }

    /// Fetches one message; nil when Twilio answers 404. Throws a `CarrierError` for any other failure.
    public func fetch(providerMessageID: String) async throws -> CarrierStatusReport? {
        guard let body = try await getJSON(configuration.messageURL(sid: providerMessageID)) else { return nil }
        do {
            return try TwilioMessageResource.decode(json: body).statusReport
        } catch {
            throw CarrierError(code: "invalid_response", httpStatus: 200)
        }
    }

    /// Lists the messages to `to` sent on or after `since`'s UTC day (`To` + `DateSent>=`), following
    /// `next_page_uri` to the last page.
    public func listMessages(to: PhoneNumber, sentOnOrAfter since: Date) async throws -> [CarrierMessage] {
        var url: String? = configuration.listURL(to: to.e164, sentOnOrAfter: since)
        var found: [CarrierMessage] = []
        while let pageURL = url {
            let page = try TwilioMessagePage.decode(json: try await getJSON(pageURL) ?? Data("{\"messages\":[]}".utf8))
            for message in page.messages {
                found.append(
                    CarrierMessage(
                        report: message.statusReport, to: message.to ?? to.e164, from: message.from,
                        dateCreated: message.dateCreated))
            }
            url = page.nextPageURI.map { configuration.baseURL + $0 }
        }
        return found
    }

    /// Twilio Lookup v2 with `Fields=line_type_intelligence`; nil when Twilio does not know the type.
    public func lookupLineType(_ phone: PhoneNumber) async throws -> LineType? {
        guard let body = try await getJSON(configuration.lookupURL(phone: phone.e164)) else { return nil }
        do {
            return try TwilioLookupResponse.decode(json: body).lineType
        } catch {
            throw CarrierError(code: "invalid_response", httpStatus: 200)
        }
    }

    /// A GET with auth: the body on 2xx, nil on 404, a `CarrierError` otherwise.
    private func getJSON(_ url: String) async throws -> Data? {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Accept", value: "application/json")
        let (status, headers, body): (Int, HTTPHeaders, Data)
        do {
            (status, headers, body) = try await execute(request)
        } catch {
            throw Self.transportError(error)
        }
        if status == 404 { return nil }
        guard (200..<300).contains(status) else {
            throw TwilioErrorResponse.carrierError(
                httpStatus: status, body: body, retryAfterHeader: headers.first(name: "Retry-After"))
        }
        return body
    }

    /// One create request; never throws.
    private func sendOne(_ message: OutboundMessage) async -> SendResult {
        let form = TwilioMessageRequest(message, messagingServiceSID: configuration.messagingServiceSID)
        var request = HTTPClientRequest(url: createURL)
        request.method = .POST
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Content-Type", value: TwilioMessageRequest.contentType)
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: form.formBody))
        let status: Int
        let headers: HTTPHeaders
        let body: Data
        do {
            (status, headers, body) = try await execute(request)
        } catch {
            return .failed(Self.transportError(error))
        }
        guard (200..<300).contains(status) else {
            return .failed(
                TwilioErrorResponse.carrierError(
                    httpStatus: status, body: body, retryAfterHeader: headers.first(name: "Retry-After")))
        }
        do {
            return try TwilioMessageResource.decode(json: body).sendResult
        } catch {
            // Twilio took the request but its answer is unreadable: the message may exist, so it is
            // not retried (that could send it twice); the row fails with this code for a person to check.
            return .failed(CarrierError(code: "invalid_response", httpStatus: status))
        }
    }

    /// Runs `request` with the configured deadline and reads the whole (bounded) body.
    private func execute(_ request: HTTPClientRequest) async throws -> (Int, HTTPHeaders, Data) {
        let response = try await client.execute(request, timeout: Self.timeAmount(configuration.requestTimeout))
        let buffer = try await response.body.collect(upTo: Self.maxResponseBytes)
        return (Int(response.status.code), response.headers, Data(buffer.readableBytesView))
    }

    /// A transport failure as a retryable carrier error: a timeout, or a connection failure.
    static func transportError(_ error: any Error) -> CarrierError {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout,
                .tlsHandshakeTimeout:
                return .timeout
            default:
                return .connectionFailed
            }
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return .timeout }
        return .connectionFailed
    }

    /// A `Duration` as NIO's `TimeAmount` (nanoseconds).
    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
