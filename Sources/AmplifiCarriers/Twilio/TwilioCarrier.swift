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
/// result in the batch's order and `send` never throws. Twilio's create has no idempotency key, so a
/// create that fails after its request was written (no answer before the deadline, the connection lost
/// mid-answer, an unreadable 2xx) is `ambiguous`, never retryable; only a request that provably never
/// left (connection refused, connect or pool timeout) is. Call `shutdown()` once when done.
public final class TwilioCarrier: Carrier {
    /// The configuration it was made with (its `description` redacts the secrets).
    public let configuration: TwilioCarrierConfiguration
    /// The shared client: its pool keeps connections alive across batches.
    private let client: HTTPClient
    /// Computed once: the create URL.
    private let createURL: String
    /// Computed once: the headers of a create (the Basic auth header is a secret: never logged).
    private let createHeaders: HTTPHeaders
    /// Computed once: the headers of a GET.
    private let getHeaders: HTTPHeaders
    private let logger: Logger

    /// The largest response body read (Twilio's message JSON is a few KB).
    private static let maxResponseBytes = 1 << 20

    /// A carrier for `configuration`, logging batch summaries (counts and codes only) at debug level.
    public init(configuration: TwilioCarrierConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.createURL = configuration.messagesURL
        let getHeaders = HTTPHeaders([
            ("Authorization", configuration.authorizationHeader), ("Accept", "application/json"),
        ])
        var createHeaders = getHeaders
        createHeaders.add(name: "Content-Type", value: TwilioMessageRequest.contentType)
        self.getHeaders = getHeaders
        self.createHeaders = createHeaders
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
            let ambiguous = final.filter { $0.error?.isAmbiguous == true }.count
            logger.debug(
                "twilio batch sent",
                metadata: [
                    "messages": "\(batch.count)", "accepted": "\(batch.count - failed)", "failed": "\(failed)",
                    "ambiguous": "\(ambiguous)",
                ])
        }
        return final
    }

    /// Fetches one message; nil when Twilio answers 404. Throws a `CarrierError` for any other failure.
    public func fetch(providerMessageID: String) async throws -> CarrierStatusReport? {
        guard let body = try await getJSON(configuration.messageURL(sid: providerMessageID)) else { return nil }
        do {
            return try TwilioMessageResource.decode(json: body).statusReport
        } catch {
            throw CarrierError.invalidResponse(httpStatus: 200)
        }
    }

    /// Lists the messages to `to` sent on or after `since`'s UTC day (`To` + `DateSent>=`), following
    /// `next_page_uri` to the last page. Throws a `CarrierError` for a failed request, and a
    /// `TwilioPageError` when a `next_page_uri` leads off the base URL's origin or the list has more
    /// than `maxListPages` pages (a partial listing is never returned as if it were whole).
    public func listMessages(to: PhoneNumber, sentOnOrAfter since: Date) async throws -> [CarrierMessage] {
        var walk = TwilioPageWalk(baseURL: configuration.baseURL, maxPages: configuration.maxListPages)
        var url: String? = configuration.listURL(to: to.e164, sentOnOrAfter: since)
        var found: [CarrierMessage] = []
        while let pageURL = url {
            try walk.countPage()
            let page = try TwilioMessagePage.decode(json: try await getJSON(pageURL) ?? Data("{\"messages\":[]}".utf8))
            for message in page.messages {
                found.append(
                    CarrierMessage(
                        report: message.statusReport, to: message.to ?? to.e164, from: message.from,
                        dateCreated: message.dateCreated, body: message.body))
            }
            url = try walk.url(after: page.nextPageURI)
        }
        return found
    }

    /// Twilio Lookup v2 with `Fields=line_type_intelligence`; nil when Twilio does not know the type.
    public func lookupLineType(_ phone: PhoneNumber) async throws -> LineType? {
        guard let body = try await getJSON(configuration.lookupURL(phone: phone.e164)) else { return nil }
        do {
            return try TwilioLookupResponse.decode(json: body).lineType
        } catch {
            throw CarrierError.invalidResponse(httpStatus: 200)
        }
    }

    /// A GET with auth: the body on 2xx, nil on 404, a `CarrierError` otherwise. Reading is idempotent,
    /// so every transport failure is retryable (`timeout` or `connection_failed`).
    private func getJSON(_ url: String) async throws -> Data? {
        let response: TwilioResponseCollector.Collected
        switch await execute(.GET, url: url, headers: getHeaders, body: nil) {
        case .failed(let error, _): throw Self.statusRequestError(error)
        case .response(let collected): response = collected
        }
        if response.status == 404 { return nil }
        guard (200..<300).contains(response.status) else { throw Self.refusal(response) }
        return response.body
    }

    /// One create request; never throws.
    private func sendOne(_ message: OutboundMessage) async -> SendResult {
        let form = TwilioMessageRequest(message, messagingServiceSID: configuration.messagingServiceSID)
        let response: TwilioResponseCollector.Collected
        switch await execute(.POST, url: createURL, headers: createHeaders, body: form.formBody) {
        case .failed(let error, let requestWritten):
            return .failed(Self.createError(error, requestWritten: requestWritten))
        case .response(let collected): response = collected
        }
        guard (200..<300).contains(response.status) else { return .failed(Self.refusal(response)) }
        do {
            return try TwilioMessageResource.decode(json: response.body).sendResult
        } catch {
            // Twilio took the request but its answer is unreadable: the message may exist, so it is
            // settled later by listing, never resent blindly.
            return .failed(.invalidResponse(httpStatus: response.status))
        }
    }

    /// How one request ended: a whole response, or a transport failure and whether the request had
    /// been written when it happened.
    private enum Outcome {
        case response(TwilioResponseCollector.Collected)
        case failed(any Error, requestWritten: Bool)
    }

    /// Runs one request with the configured deadline and reads the whole (bounded) body; never throws.
    private func execute(_ method: HTTPMethod, url: String, headers: HTTPHeaders, body: String?) async -> Outcome {
        let collector = TwilioResponseCollector(maxBodyBytes: Self.maxResponseBytes)
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: url, method: method, headers: headers, body: body.map { .string($0) })
        } catch {
            return .failed(error, requestWritten: false)
        }
        let task = client.execute(
            request: request, delegate: collector,
            deadline: .now() + Self.timeAmount(configuration.requestTimeout))
        do {
            let collected = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            return .response(collected)
        } catch {
            return .failed(error, requestWritten: collector.requestWritten)
        }
    }

    /// A non-2xx answer: Twilio's error JSON when the body is one, else `http_<status>`.
    private static func refusal(_ response: TwilioResponseCollector.Collected) -> CarrierError {
        TwilioErrorResponse.carrierError(
            httpStatus: response.status, body: response.body,
            retryAfterHeader: response.headers.first(name: "Retry-After"),
            concurrentRequestsHeader: response.headers.first(name: "Twilio-Concurrent-Requests"))
    }

    /// A failed create: retryable only when the request provably never left (`connect_failed`,
    /// `connect_timeout`, `pool_timeout`); once it was written the message may exist, so it is
    /// ambiguous (`response_timeout`, `connection_lost`, `invalid_response`).
    static func createError(_ error: any Error, requestWritten: Bool) -> CarrierError {
        guard requestWritten else {
            if let error = error as? HTTPClientError {
                switch error {
                case .getConnectionFromPoolTimeout, .deadlineExceeded: return .poolTimeout
                case .connectTimeout, .tlsHandshakeTimeout: return .connectTimeout
                default: return .connectFailed
                }
            }
            if let error = error as? ChannelError, case .connectTimeout = error { return .connectTimeout }
            return .connectFailed
        }
        if error is TwilioResponseCollector.BodyTooLarge || error is TwilioResponseCollector.NoResponseHead {
            return .invalidResponse()
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .deadlineExceeded, .writeTimeout: return .responseTimeout
            default: return .connectionLost
            }
        }
        return .connectionLost
    }

    /// A failed status request (GET) as a retryable carrier error: a timeout, or a connection failure.
    static func statusRequestError(_ error: any Error) -> CarrierError {
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
        .nanoseconds(Saturating.count(duration, unitsPerSecond: 1_000_000_000))
    }
}
