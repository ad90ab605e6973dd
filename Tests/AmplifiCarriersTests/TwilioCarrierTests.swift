import AmplifiCarriers
import AmplifiMessaging
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing

/// `TwilioCarrier` against a tiny Twilio-compatible HTTP/1.1 server on 127.0.0.1.
@Suite struct TwilioCarrierTests {
    static let accountSID = "AC00000000000000000000000000000001"
    static let authToken = "tok-secret-123"
    static let org = UUID(uuidString: "00000000-0000-0000-0000-0000000000AA")!
    static let sender = PhoneNumber(trustedE164: "+14155552345")
    /// Recipients the stub answers differently.
    static let accepts = "+19195550001"
    static let invalid = "+19195550002"
    static let throttled = "+19195550003"
    static let slow = "+19195550004"
    static let silent = "+19195550005"
    static let dropped = "+19195550006"
    static let garbage = "+19195550007"
    /// Listing messages to this number answers a `next_page_uri` on another host.
    static let foreignPages = "+19195550008"
    /// Listing messages to this number answers a `next_page_uri` (to the same list) on every page.
    static let endlessPages = "+19195550009"

    static func message(_ id: Int64, to: String, body: String = "Hi & welcome, 50% off = today!") -> OutboundMessage {
        OutboundMessage(
            id: id, orgID: org, from: sender, to: PhoneNumber(trustedE164: to), body: body,
            statusCallbackURL: "https://hooks.example.com/twilio/status?m=\(id)", validityPeriod: 600)
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// Runs `body` with a started stub server and a carrier pointed at it; shuts both down afterwards.
    static func withCarrier(
        credentials: TwilioCarrierConfiguration.Credentials = .authToken(authToken),
        maxConcurrentRequests: Int = 4, maxListPages: Int = TwilioCarrierConfiguration.defaultMaxListPages,
        _ body: (TwilioCarrier, StubServer) async throws -> Void
    ) async throws {
        let server = try await StubServer.start()
        let configuration = TwilioCarrierConfiguration(
            accountSID: accountSID, credentials: credentials, baseURL: "http://127.0.0.1:\(server.port)/",
            maxConcurrentRequests: maxConcurrentRequests, requestTimeout: .seconds(5), maxListPages: maxListPages)
        let carrier = TwilioCarrier(configuration: configuration, logger: Logger(label: "test.twilio"))
        do {
            try await body(carrier, server)
        } catch {
            try? await carrier.shutdown()
            try? await server.stop()
            throw error
        }
        try await carrier.shutdown()
        try await server.stop()
    }

    @Test func sendsExactFormFieldsAndBasicAuth() async throws {
        try await Self.withCarrier { carrier, server in
            let results = await carrier.send([Self.message(7, to: Self.accepts)])
            #expect(results.count == 1)
            let requests = server.recorder.requests
            try #require(requests.count == 1)
            let request = requests[0]
            #expect(request.method == "POST")
            #expect(request.uri == "/2010-04-01/Accounts/\(Self.accountSID)/Messages.json")
            #expect(request.authorization == Self.basic(Self.accountSID, Self.authToken))
            #expect(request.contentType == "application/x-www-form-urlencoded")
            let fields = FormURLEncoding.decode(request.body)
            #expect(fields.map(\.key) == ["To", "From", "Body", "StatusCallback", "ValidityPeriod"])
            #expect(
                fields.map(\.value) == [
                    Self.accepts, "+14155552345", "Hi & welcome, 50% off = today!",
                    "https://hooks.example.com/twilio/status?m=7", "600",
                ])
        }
    }

    @Test func apiKeyCredentialsUseKeySIDAndSecret() async throws {
        try await Self.withCarrier(
            credentials: .apiKey(sid: "SK0000000000000000000000000000000F", secret: "key-secret")
        ) {
            carrier, server in
            let results = await carrier.send([Self.message(1, to: Self.accepts)])
            #expect(results[0].providerMessageID != nil)
            let request = try #require(server.recorder.requests.first)
            #expect(request.authorization == Self.basic("SK0000000000000000000000000000000F", "key-secret"))
            // The path still names the account, not the key.
            #expect(request.uri == "/2010-04-01/Accounts/\(Self.accountSID)/Messages.json")
        }
    }

    @Test func resultsComeBackInOrderAndClassified() async throws {
        try await Self.withCarrier(maxConcurrentRequests: 3) { carrier, server in
            let recipients = (0..<12).map { [Self.accepts, Self.invalid, Self.throttled][$0 % 3] }
            let batch = recipients.enumerated().map { Self.message(Int64(100 + $0.offset), to: $0.element) }
            let results = await carrier.send(batch)
            #expect(results.count == 12)
            #expect(server.recorder.requests.count == 12)
            for (index, result) in results.enumerated() {
                switch recipients[index] {
                case Self.accepts:
                    // The sid echoes the message id from the callback URL, proving the order.
                    #expect(
                        result
                            == .accepted(
                                providerMessageID: "SMstub\(100 + index)", status: .queued, segments: 1,
                                priceMicros: nil))
                case Self.invalid:
                    let error = try #require(result.error)
                    #expect(error.code == "21211")
                    #expect(error.httpStatus == 400)
                    #expect(error.errorClass == .permanentForRecipient)
                    #expect(error.moreInfo == "https://www.twilio.com/docs/errors/21211")
                default:
                    let error = try #require(result.error)
                    #expect(error.code == "20429")
                    #expect(error.httpStatus == 429)
                    #expect(error.errorClass == .retryableRequest)
                    #expect(error.retryAfter == .seconds(2))
                }
            }
            // One request per message: every callback id appears exactly once.
            let ids = server.recorder.requests.compactMap { TwilioMessageRequest(formBody: $0.body)?.statusCallback }
            #expect(Set(ids).count == 12)
        }
    }

    @Test func messagingServiceReplacesFrom() async throws {
        let server = try await StubServer.start()
        let carrier = TwilioCarrier(
            configuration: TwilioCarrierConfiguration(
                accountSID: Self.accountSID, credentials: .authToken(Self.authToken),
                baseURL: "http://127.0.0.1:\(server.port)", messagingServiceSID: "MG00000000000000000000000000000009"),
            logger: Logger(label: "test.twilio"))
        _ = await carrier.send([Self.message(3, to: Self.accepts)])
        let fields = FormURLEncoding.decode(server.recorder.requests.first?.body ?? "")
        #expect(fields.map(\.key) == ["To", "MessagingServiceSid", "Body", "StatusCallback", "ValidityPeriod"])
        #expect(fields.first { $0.key == "MessagingServiceSid" }?.value == "MG00000000000000000000000000000009")
        try await carrier.shutdown()
        try await server.stop()
    }

    @Test func fetchParsesResourceAndReturnsNilOn404() async throws {
        try await Self.withCarrier { carrier, server in
            let report = try #require(try await carrier.fetch(providerMessageID: "SMfound"))
            #expect(report.providerMessageID == "SMfound")
            #expect(report.status == .undelivered)
            #expect(report.error?.code == "30003")
            #expect(report.segments == 2)
            #expect(report.priceMicros == 15_000)
            #expect(report.updatedAt == Date(timeIntervalSince1970: 1_700_000_100))
            #expect(try await carrier.fetch(providerMessageID: "SMmissing") == nil)
            let requests = server.recorder.requests
            #expect(requests.map(\.method) == ["GET", "GET"])
            #expect(requests.first?.uri == "/2010-04-01/Accounts/\(Self.accountSID)/Messages/SMfound.json")
            #expect(requests.allSatisfy { $0.authorization == Self.basic(Self.accountSID, Self.authToken) })
        }
    }

    /// (d) Nothing listens: the request never left, so every message is retryable (and a GET too).
    @Test func unreachableBaseURLFailsEveryMessageWithoutThrowing() async throws {
        // Bind a port, then close it: nothing listens there.
        let server = try await StubServer.start()
        let port = server.port
        try await server.stop()
        let carrier = TwilioCarrier(
            configuration: TwilioCarrierConfiguration(
                accountSID: Self.accountSID, credentials: .authToken(Self.authToken),
                baseURL: "http://127.0.0.1:\(port)", requestTimeout: .seconds(5)),
            logger: Logger(label: "test.twilio"))
        let results = await carrier.send((0..<5).map { Self.message(Int64($0), to: Self.accepts) })
        #expect(results.count == 5)
        #expect(results.allSatisfy { $0.error == .connectFailed })
        #expect(results.allSatisfy { $0.error?.errorClass == .retryableRequest })
        #expect(results.allSatisfy { $0.error?.disposition == .retryBatchLater(retryAfter: nil) })
        await #expect(throws: CarrierError.connectionFailed) { try await carrier.fetch(providerMessageID: "SMx") }
        try await carrier.shutdown()
    }

    @Test func concurrencyIsBoundedByMaxConcurrentRequests() async throws {
        try await Self.withCarrier(maxConcurrentRequests: 3) { carrier, server in
            let results = await carrier.send((0..<10).map { Self.message(Int64($0), to: Self.slow) })
            #expect(results.count == 10)
            #expect(results.allSatisfy { $0.providerMessageID != nil })
            #expect(server.recorder.requests.count == 10)
            #expect(server.recorder.maxInFlight <= 3)
            #expect(server.recorder.maxInFlight >= 2)
        }
    }

    /// A carrier pointed at `server` with a short deadline.
    static func shortDeadlineCarrier(_ server: StubServer) -> TwilioCarrier {
        TwilioCarrier(
            configuration: TwilioCarrierConfiguration(
                accountSID: accountSID, credentials: .authToken(authToken),
                baseURL: "http://127.0.0.1:\(server.port)", requestTimeout: .milliseconds(300)),
            logger: Logger(label: "test.twilio"))
    }

    /// Sends `[to, accepts]` with a short deadline: the first result, after checking that the server
    /// received both requests (the ambiguous one may exist) and that the second was accepted.
    static func firstOfTwo(to recipient: String) async throws -> SendResult {
        let server = try await StubServer.start()
        let carrier = shortDeadlineCarrier(server)
        let results = await carrier.send([message(1, to: recipient), message(2, to: accepts)])
        try await carrier.shutdown()
        try await server.stop()
        #expect(results.count == 2)
        #expect(results[1].providerMessageID == "SMstub2")
        let received = server.recorder.requests.compactMap { TwilioMessageRequest(formBody: $0.body)?.to }
        #expect(received.filter { $0 == recipient }.count == 1, "sent once, never retried")
        return results[0]
    }

    /// (a) The server took the request and never answered before the deadline: the message may exist.
    @Test func unansweredCreateIsAmbiguous() async throws {
        let error = try #require(try await Self.firstOfTwo(to: Self.silent).error)
        #expect(error == .responseTimeout)
        #expect(error.errorClass == .ambiguous)
        #expect(error.disposition == .settleLater)
        #expect(!error.isCharged)
    }

    /// (b) The server read the request, then closed the connection without answering.
    @Test func connectionClosedAfterTheRequestIsAmbiguous() async throws {
        let error = try #require(try await Self.firstOfTwo(to: Self.dropped).error)
        #expect(error == .connectionLost)
        #expect(error.disposition == .settleLater)
    }

    /// (c) The server answered 201 with a body that is not a message.
    @Test func unreadableCreatedAnswerIsAmbiguous() async throws {
        let error = try #require(try await Self.firstOfTwo(to: Self.garbage).error)
        #expect(error == .invalidResponse(httpStatus: 201))
        #expect(error.code == "invalid_response")
        #expect(error.disposition == .settleLater)
    }

    /// A GET is idempotent: an unanswered fetch stays retryable.
    @Test func unansweredFetchStaysRetryable() async throws {
        let server = try await StubServer.start()
        let carrier = Self.shortDeadlineCarrier(server)
        await #expect(throws: CarrierError.timeout) { try await carrier.fetch(providerMessageID: "SMsilent") }
        try await carrier.shutdown()
        try await server.stop()
    }

    @Test func listMessagesCarriesBodies() async throws {
        try await Self.withCarrier { carrier, server in
            let listed = try await carrier.listMessages(
                to: PhoneNumber(trustedE164: Self.accepts), sentOnOrAfter: Date(timeIntervalSince1970: 1_700_000_000))
            #expect(listed.count == 1)
            #expect(listed.first?.body == "Hi there")
            #expect(listed.first?.from == "+14155552345")
            #expect(listed.first?.report.providerMessageID == "SMlisted")
            #expect(server.recorder.requests.first?.uri.contains("DateSent%3E=2023-11-14") == true)
        }
    }

    /// A `next_page_uri` on another host is refused before any request goes there (it would carry
    /// our Basic credentials): one request, then `CARRIER_FOREIGN_NEXT_PAGE`.
    @Test func aForeignNextPageIsNeverFollowed() async throws {
        try await Self.withCarrier { carrier, server in
            let error = await #expect(throws: TwilioPageError.self) {
                try await carrier.listMessages(to: PhoneNumber(trustedE164: Self.foreignPages), sentOnOrAfter: Date())
            }
            #expect(error?.code == TwilioPageError.foreignNextPageCode)
            #expect(server.recorder.requests.count == 1)
        }
    }

    /// A carrier that pages without end is walked at most `maxListPages` pages, then refused.
    @Test func thePageCapBoundsTheWalk() async throws {
        try await Self.withCarrier(maxListPages: 3) { carrier, server in
            let error = await #expect(throws: TwilioPageError.self) {
                try await carrier.listMessages(to: PhoneNumber(trustedE164: Self.endlessPages), sentOnOrAfter: Date())
            }
            #expect(error?.code == TwilioPageError.pageLimitCode)
            #expect(server.recorder.requests.count == 3)
            #expect(server.recorder.requests.dropFirst().allSatisfy { $0.uri.contains("PageToken=next") })
        }
    }

    @Test func emptyBatchSendsNothing() async throws {
        try await Self.withCarrier { carrier, server in
            #expect(await carrier.send([]).isEmpty)
            #expect(server.recorder.requests.isEmpty)
        }
    }

    @Test func environmentConfiguration() throws {
        let config = try TwilioCarrierConfiguration(environment: [
            "TWILIO_ACCOUNT_SID": Self.accountSID, "TWILIO_AUTH_TOKEN": Self.authToken,
            "TWILIO_BASE_URL": "http://127.0.0.1:9999/", "TWILIO_MESSAGING_SERVICE_SID": "MG1",
        ])
        #expect(config.baseURL == "http://127.0.0.1:9999")
        #expect(config.credentials == .authToken(Self.authToken))
        #expect(config.messagingServiceSID == "MG1")
        #expect(!config.description.contains(Self.authToken))
        #expect(!String(describing: config.credentials).contains(Self.authToken))

        let keyed = try TwilioCarrierConfiguration(environment: [
            "TWILIO_ACCOUNT_SID": Self.accountSID, "TWILIO_AUTH_TOKEN": Self.authToken,
            "TWILIO_API_KEY_SID": "SK1", "TWILIO_API_KEY_SECRET": "s3cr3t",
        ])
        #expect(keyed.credentials == .apiKey(sid: "SK1", secret: "s3cr3t"))
        #expect(keyed.baseURL == "https://api.twilio.com")
        #expect(keyed.messagingServiceSID == nil)
        #expect(!keyed.description.contains("s3cr3t"))

        func failure(_ environment: [String: String]) -> String? {
            do {
                _ = try TwilioCarrierConfiguration(environment: environment)
                return nil
            } catch let error as TwilioCarrierConfiguration.ConfigurationError {
                return error.variable
            } catch {
                return "unexpected \(error)"
            }
        }
        #expect(failure([:]) == "TWILIO_ACCOUNT_SID")
        #expect(failure(["TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": " "]) == "TWILIO_AUTH_TOKEN")
        #expect(failure(["TWILIO_ACCOUNT_SID": "AC1", "TWILIO_API_KEY_SID": "SK1"]) == "TWILIO_API_KEY_SECRET")
        #expect(
            failure(["TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_BASE_URL": "ftp://x"])
                == "TWILIO_BASE_URL")
    }
}

/// One request the stub received.
struct RecordedRequest: Sendable {
    var method: String
    var uri: String
    var authorization: String?
    var contentType: String?
    var body: String
}

/// Everything the stub received, in arrival order.
final class StubRecorder: Sendable {
    private struct State {
        var requests: [RecordedRequest] = []
        var inFlight = 0
        var maxInFlight = 0
    }
    private let state = Mutex(State())
    /// Records a request that is now waiting for its answer.
    func append(_ request: RecordedRequest) {
        state.withLock {
            $0.requests.append(request)
            $0.inFlight += 1
            $0.maxInFlight = max($0.maxInFlight, $0.inFlight)
        }
    }
    /// One request was answered.
    func answered() { state.withLock { $0.inFlight -= 1 } }
    var requests: [RecordedRequest] { state.withLock { $0.requests } }
    /// The most requests waiting for an answer at once.
    var maxInFlight: Int { state.withLock { $0.maxInFlight } }
}

/// A minimal Twilio-compatible HTTP/1.1 server on 127.0.0.1 (a free port), answering canned JSON.
struct StubServer: Sendable {
    let channel: any Channel
    let recorder: StubRecorder
    let port: Int

    static func start() async throws -> StubServer {
        let recorder = StubRecorder()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(StubHandler(recorder: recorder))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return StubServer(channel: channel, recorder: recorder, port: channel.localAddress?.port ?? 0)
    }

    func stop() async throws {
        try await channel.close()
    }
}

/// Records each request and answers per `To` number (create) or sid (fetch).
final class StubHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let recorder: StubRecorder
    private var head: HTTPRequestHead?
    private var body = ""

    init(recorder: StubRecorder) { self.recorder = recorder }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = ""
        case .body(var buffer):
            body += buffer.readString(length: buffer.readableBytes) ?? ""
        case .end:
            guard let head else { return }
            let request = RecordedRequest(
                method: head.method.rawValue, uri: head.uri, authorization: head.headers.first(name: "Authorization"),
                contentType: head.headers.first(name: "Content-Type"), body: body)
            recorder.append(request)
            let to = TwilioMessageRequest(formBody: request.body)?.to
            // Never answers: the client must time out.
            if to == TwilioCarrierTests.silent || request.uri.hasSuffix("/SMsilent.json") { return }
            if to == TwilioCarrierTests.dropped {
                context.close(promise: nil)  // read the request, then hang up without a word
                return
            }
            if to == TwilioCarrierTests.slow {
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(30)) {
                    self.respond(context: context, version: head.version, request: request)
                }
            } else {
                respond(context: context, version: head.version, request: request)
            }
        }
    }

    private func respond(context: ChannelHandlerContext, version: HTTPVersion, request: RecordedRequest) {
        let (status, extra, json) = Self.answer(request)
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", "\(json.utf8.count)")])
        headers.add(contentsOf: extra)
        recorder.answered()
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: json)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    static func answer(_ request: RecordedRequest) -> (HTTPResponseStatus, [(String, String)], String) {
        if request.method == "GET", request.uri.contains("/Messages.json?") {
            for (number, next) in [
                (TwilioCarrierTests.foreignPages, #""https://evil.example/2010-04-01/Accounts/AC1/Messages.json""#),
                (
                    TwilioCarrierTests.endlessPages,
                    #""/2010-04-01/Accounts/AC1/Messages.json?To=%2B19195550009&PageToken=next""#
                ),
            ] where request.uri.contains(FormURLEncoding.encodeComponent(number)) {
                return (.ok, [], #"{"messages": [], "next_page_uri": \#(next), "page": 0, "page_size": 1000}"#)
            }
            return (
                .ok, [],
                #"""
                {"messages": [{"sid": "SMlisted", "status": "delivered", "to": "+19195550001",
                 "from": "+14155552345", "body": "Hi there", "date_created": "Tue, 14 Nov 2023 22:13:20 +0000"}],
                 "next_page_uri": null, "page": 0, "page_size": 1000}
                """#
            )
        }
        if request.method == "GET" {
            guard request.uri.hasSuffix("/Messages/SMfound.json") else {
                return (
                    .notFound, [], #"{"code": 20404, "message": "The requested resource was not found", "status": 404}"#
                )
            }
            return (
                .ok, [],
                #"""
                {"sid": "SMfound", "account_sid": "AC00000000000000000000000000000001", "status": "undelivered",
                 "to": "+19195550001", "from": "+14155552345", "body": "x", "num_segments": "2", "num_media": "0",
                 "price": "-0.01500", "price_unit": "USD", "error_code": 30003, "error_message": "Unreachable",
                 "date_created": "Tue, 14 Nov 2023 22:13:20 +0000", "date_updated": "Tue, 14 Nov 2023 22:15:00 +0000",
                 "direction": "outbound-api"}
                """#
            )
        }
        let form = TwilioMessageRequest(formBody: request.body)
        switch form?.to {
        case TwilioCarrierTests.accepts, TwilioCarrierTests.slow:
            let id = form?.statusCallback?.split(separator: "=").last.map(String.init) ?? "0"
            return (
                .created, [],
                #"{"sid": "SMstub\#(id)", "status": "queued", "num_segments": "1", "price": null, "error_code": null, "#
                    + #""date_created": "Tue, 14 Nov 2023 22:13:20 +0000"}"#
            )
        case TwilioCarrierTests.garbage:
            return (.created, [], "<html>Created, probably</html>")
        case TwilioCarrierTests.invalid:
            return (
                .badRequest, [],
                #"{"code": 21211, "message": "The 'To' number is not a valid phone number.", "#
                    + #""more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#
            )
        default:
            return (
                .tooManyRequests, [("Retry-After", "2")],
                #"{"code": 20429, "message": "Too Many Requests", "status": 429}"#
            )
        }
    }
}
