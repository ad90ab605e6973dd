import AmplifiCarriers
import AmplifiMessaging
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The simulator's routes: Twilio's Messages and Lookup endpoints, and `/sim/…` for stats and
/// inbound messages — all behind the account's Basic credentials (only `/healthz` is open).
struct CarrierSimulatorAPI: Sendable {
    let configuration: CarrierSimulatorConfiguration
    let carrier: SimulatedCarrier
    let store: SimulatedMessageStore
    let dispatcher: StatusCallbackDispatcher
    let poster: SignedWebhookPoster
    let authenticator: TwilioBasicAuthenticator
    let logger: Logger

    /// The sender a Messaging Service picks from its (one-number) pool.
    static let messagingServicePoolNumber = "+15005550006"
    /// The largest request body read.
    static let maxBodyBytes = 1 << 20
    /// Twilio's limit on a message body, in characters.
    static let maxBodyCharacters = 1_600

    /// Adds every route to `router`.
    func register(on router: Router<BasicRequestContext>) {
        router.post("/2010-04-01/Accounts/:account/Messages.json") { request, context in
            try await authorized(request, context) { try await create(request) }
        }
        router.get("/2010-04-01/Accounts/:account/Messages.json") { request, context in
            try await authorized(request, context) { list(request) }
        }
        router.get("/2010-04-01/Accounts/:account/Messages/:sidfile") { request, context in
            try await authorized(request, context) { fetch(context.parameters.get("sidfile") ?? "") }
        }
        router.get("/v2/PhoneNumbers/:number") { request, context in
            guard authenticator.isAuthorized(request.headers[.authorization]) else { return Self.unauthorized() }
            return lookup(context.parameters.get("number") ?? "", rawQuery: request.uri.query ?? "")
        }
        // `/sim/*` is not Twilio's: no Basic challenge (a browser or URLSession would answer it).
        router.get("/sim/stats") { request, _ in
            guard authenticator.isAuthorized(request.headers[.authorization]) else {
                return Self.error(20003, "Authenticate", status: 401)
            }
            return Self.json(store.stats(), status: .ok)
        }
        router.post("/sim/inbound") { request, _ in
            guard authenticator.isAuthorized(request.headers[.authorization]) else {
                return Self.error(20003, "Authenticate", status: 401)
            }
            return try await inbound(request)
        }
        router.get("/healthz") { _, _ in
            Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
        }
    }

    /// Runs `handler` when the credentials are accepted (else 401 / 20003) and the path's account is
    /// ours (else 404 / 20404).
    private func authorized(
        _ request: Request, _ context: BasicRequestContext, _ handler: () async throws -> Response
    ) async throws -> Response {
        guard authenticator.isAuthorized(request.headers[.authorization]) else { return Self.unauthorized() }
        guard context.parameters.get("account") == configuration.accountSID else {
            return Self.error(20404, "The requested resource \(request.uri.path) was not found", status: 404)
        }
        return try await handler()
    }

    // MARK: Messages

    /// `POST …/Messages.json`: validates like Twilio, lets the simulated carrier decide, answers 201 or
    /// an error — unless the account already has `accountConcurrency` creates in processing (429 /
    /// 20429, nothing created), an outage or throttle is in force, or the request's transport fate
    /// says the answer is a 5xx (nothing created), comes late, or is cut off (both after creating).
    private func create(_ request: Request) async throws -> Response {
        if let inProgress = store.beginCreate(limit: configuration.accountConcurrency) {
            var response = refuse(20429, Self.refusalMessage(20429), status: 429)
            response.headers[Self.concurrentRequestsHeader] = String(inProgress)
            return response
        }
        defer { store.endCreate() }
        return try await admittedCreate(request)
    }

    /// Twilio's header on a 429 for too many concurrent requests: how many the account has in flight.
    static let concurrentRequestsHeader = HTTPField.Name("Twilio-Concurrent-Requests")!

    /// A create request admitted under the account's concurrency limit (see `create`).
    private func admittedCreate(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: Self.maxBodyBytes)
        let receivedAt = Date()
        switch configuration.control.episode() {
        case .outage:
            return refuse(20503, "Service Unavailable", status: 503)
        case .throttle(let seconds):
            var response = refuse(20429, Self.refusalMessage(20429), status: 429)
            response.headers[.retryAfter] = String(seconds)
            return response
        case .none:
            break
        }
        let fate = configuration.transport.fate(sequence: store.nextCreateRequest(), seed: configuration.carrier.seed)
        if fate == .serverError { return refuse(20500, "Internal Server Error", status: 500) }
        let response = try await accept(body, receivedAt: receivedAt)
        guard response.status == .created else { return response }
        switch fate {
        case .late:
            store.recordTransportFault(late: true)
            try? await Task.sleep(for: configuration.transport.lateAnswerDelay)
            return response
        case .drop:
            // The head goes out, then the body fails: the connection is closed mid-answer.
            store.recordTransportFault(late: false)
            return Response(
                status: .created, headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(contentLength: 512) { _ in throw ConnectionCut() })
        case .normal, .serverError:
            return response
        }
    }

    /// Thrown by the body of a cut answer.
    private struct ConnectionCut: Error {}

    /// A create request's body (arrived at `receivedAt`), validated and handed to the simulated carrier.
    private func accept(_ body: ByteBuffer, receivedAt: Date) async throws -> Response {
        let formBody = String(buffer: body)
        let fields = FormURLEncoding.decode(formBody)
        func value(_ key: String) -> String? {
            fields.first { $0.key == key }.map(\.value).flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let toText = value("To") else { return refuse(21604, "A 'To' phone number is required.") }
        guard value("From") != nil || value("MessagingServiceSid") != nil else {
            return refuse(21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.")
        }
        let hasMedia = value("MediaUrl") != nil
        guard value("Body") != nil || hasMedia else {
            return refuse(21602, "Message body is required.")
        }
        guard let to = try? PhoneNumber(parsing: toText) else {
            return refuse(21211, "The 'To' number \(toText) is not a valid phone number.")
        }
        if let validity = value("ValidityPeriod") {
            guard let seconds = Int(validity), OutboundMessage.validityPeriodRange.contains(seconds) else {
                return refuse(21624, "Validity period can only be set to integers between 1 and 36,000 seconds.")
            }
        }
        guard let parsed = TwilioMessageRequest(formBody: formBody) else {
            return refuse(21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.")
        }
        guard parsed.body.count <= Self.maxBodyCharacters else {
            return refuse(21617, "The concatenated message body exceeds the 1600 character limit.")
        }
        let from: PhoneNumber
        let serviceSID: String?
        switch parsed.sender {
        case .from(let text):
            serviceSID = nil
            if let number = try? PhoneNumber(parsing: text) {
                from = number
            } else if Self.isAlphanumericSenderID(text) {
                from = PhoneNumber(trustedE164: text)
            } else {
                return refuse(
                    21212,
                    "The 'From' number \(text) is not a valid phone number, shortcode, or alphanumeric sender ID.")
            }
        case .messagingService(let sid):
            serviceSID = sid
            from = PhoneNumber(trustedE164: Self.messagingServicePoolNumber)
        }
        let outbound = OutboundMessage(
            id: 0, orgID: Self.simulatorOrg, from: from, to: to, body: parsed.body,
            mediaURL: parsed.mediaURLs.first, statusCallbackURL: parsed.statusCallback,
            validityPeriod: parsed.validityPeriod ?? OutboundMessage.validityPeriodRange.upperBound)
        let result = await carrier.send([outbound])[0]
        switch result {
        case .failed(let error):
            let code = Int(error.code) ?? 20500
            var response = refuse(code, Self.refusalMessage(code), status: error.httpStatus ?? 400)
            if let retryAfter = error.retryAfter {
                let (seconds, attoseconds) = retryAfter.components
                response.headers[.retryAfter] = String(seconds + (attoseconds > 0 ? 1 : 0))
            }
            return response
        case .accepted(let sid, _, let segments, _):
            let posts = configuration.callbacksEnabled && parsed.statusCallback != nil
            let now = Date()
            let message = store.insert(
                key: SimulatedSendKey(to: to, bodyHash: StableHash.hash(bytes: parsed.body.utf8))
            ) {
                index in
                SimulatedMessage(
                    index: index, sid: sid, to: to.e164, from: from.e164, messagingServiceSID: serviceSID,
                    body: parsed.body, numMedia: parsed.mediaURLs.count, segments: segments,
                    statusCallback: parsed.statusCallback, receivedAt: receivedAt, createdAt: now,
                    plan: SimulatedDeliveryPlan(sequence: UInt64(index), configuration: configuration),
                    status: .queued, sentAt: nil, updatedAt: now, followsClock: !posts)
            }
            if posts { dispatcher.start(index: message.index) }
            return Self.json(message.resource(accountSID: configuration.accountSID), status: .created)
        }
    }

    /// `GET …/Messages/{Sid}.json`: the message with its current status, or 404 / 20404.
    private func fetch(_ sidFile: String) -> Response {
        let sid = sidFile.hasSuffix(".json") ? String(sidFile.dropLast(5)) : sidFile
        guard let message = store.message(sid: sid) else {
            return Self.error(20404, "The requested resource was not found", status: 404)
        }
        return Self.json(message.resource(accountSID: configuration.accountSID), status: .ok)
    }

    /// `GET …/Messages.json?To=…&DateSent>=…&PageSize=…&PageToken=…`: one page, newest first.
    private func list(_ request: Request) -> Response {
        let query: MessageListQuery
        do {
            query = try MessageListQuery(rawQuery: request.uri.query ?? "", maxPageSize: configuration.maxPageSize)
        } catch {
            return Self.error(20001, "Invalid value for parameter \(error.parameter)", status: 400)
        }
        let (messages, nextToken) = store.list(query)
        let path = "/2010-04-01/Accounts/\(configuration.accountSID)/Messages.json"
        let page = TwilioMessagePageJSON(
            messages: messages.map { $0.resource(accountSID: configuration.accountSID) },
            page: query.page, pageSize: query.pageSize,
            uri: path + (request.uri.query.map { "?" + $0 } ?? ""),
            firstPageURI: path + "?" + query.firstPageQuery,
            nextPageURI: nextToken.map { path + "?" + query.nextPageQuery(below: $0) })
        return Self.json(page, status: .ok)
    }

    // MARK: Lookup

    /// `GET /v2/PhoneNumbers/{E164}?Fields=line_type_intelligence`: the simulated line type;
    /// an invalid number is `valid: false` with no line type.
    private func lookup(_ rawNumber: String, rawQuery: String) -> Response {
        let text = rawNumber.removingPercentEncoding ?? rawNumber
        let wantsLineType = FormURLEncoding.decode(rawQuery).contains { field in
            field.key == "Fields" && field.value.split(separator: ",").contains("line_type_intelligence")
        }
        let response: TwilioLookupResponse
        if let phone = try? PhoneNumber(parsing: text) {
            response = TwilioLookupResponse(
                phoneNumber: phone.e164, valid: true,
                lineType: wantsLineType ? SimulatedCarrier.simulatedLineType(phone) : nil)
        } else {
            response = TwilioLookupResponse(phoneNumber: text, valid: false, lineType: nil)
        }
        var body = response.json
        body["url"] = "/v2/PhoneNumbers/\(FormURLEncoding.encodeComponent(text))"
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Self.jsonResponse(data, status: .ok)
    }

    // MARK: /sim

    /// `POST /sim/inbound` (form or JSON: From, To, Body): posts a signed inbound-message webhook to
    /// the configured URL and answers with its HTTP status (502 when it never answered).
    private func inbound(_ request: Request) async throws -> Response {
        guard let url = configuration.inboundURL else {
            return Self.error(
                21609, "No inbound URL is configured: start the simulator with --inbound-url.", status: 409)
        }
        var request = request
        let isJSON = request.headers[.contentType]?.lowercased().hasPrefix("application/json") ?? false
        let body = Data(try await request.collectBody(upTo: Self.maxBodyBytes).readableBytesView)
        var values: [String: String] = [:]
        if isJSON {
            let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
            for (key, value) in object { values[key] = "\(value)" }
        } else {
            for (key, value) in FormURLEncoding.decode(String(decoding: body, as: UTF8.self)) { values[key] = value }
        }
        guard let fromText = values["From"], let toText = values["To"] else {
            return Self.error(21604, "Both 'From' and 'To' are required.", status: 400)
        }
        let from = (try? PhoneNumber(parsing: fromText).e164) ?? fromText
        let to = (try? PhoneNumber(parsing: toText).e164) ?? toText
        let text = values["Body"] ?? ""
        let sid = Self.randomSID(prefix: "SM")
        let segments = max(1, MessageSegmenter.count(text).segments)
        let fields: [(key: String, value: String)] = [
            ("ToCountry", "US"), ("SmsMessageSid", sid), ("NumMedia", "0"), ("SmsSid", sid),
            ("SmsStatus", "received"), ("Body", text), ("To", to), ("NumSegments", String(segments)),
            ("MessageSid", sid), ("AccountSid", configuration.accountSID), ("From", from),
            ("FromCountry", "US"), ("ApiVersion", "2010-04-01"),
        ]
        let status = await poster.post(url: url, fields: fields)
        store.recordInbound()
        let answer = "{\"messageSid\":\"\(sid)\",\"webhookStatus\":\(status.map(String.init) ?? "null")}"
        return Self.jsonResponse(Data(answer.utf8), status: HTTPResponse.Status(code: status ?? 502))
    }

    // MARK: Responses

    /// The organization every simulated outbound message is attributed to (the simulator has no orgs).
    private static let simulatorOrg = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    /// Counts a refused create and answers with Twilio's error JSON.
    private func refuse(_ code: Int, _ message: String, status: Int = 400) -> Response {
        store.recordRefusal(code: String(code))
        logger.debug("create refused", metadata: ["code": "\(code)"])
        return Self.error(code, message, status: status)
    }

    /// The message for a refusal decided by the simulated carrier.
    private static func refusalMessage(_ code: Int) -> String {
        switch code {
        case 20429: "Too Many Requests"
        case 21211: "The 'To' number is not a valid phone number."
        case 21610: "Attempt to send to unsubscribed recipient"
        case 30003: "Unreachable destination handset"
        case 30007: "Message filtered"
        default: "Error \(code)"
        }
    }

    /// Whether `text` can be an alphanumeric sender id: 1–11 letters, digits and spaces, one letter at least.
    private static func isAlphanumericSenderID(_ text: String) -> Bool {
        (1...11).contains(text.count) && text.contains(where: \.isLetter)
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " ") }
    }

    /// `prefix` + 32 random lower-case hex digits.
    private static func randomSID(prefix: String) -> String {
        let high = UInt64.random(in: .min ... .max)
        let low = UInt64.random(in: .min ... .max)
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return prefix + hex(high) + hex(low)
    }

    /// 401 / 20003, as Twilio answers bad credentials.
    static func unauthorized() -> Response {
        var response = error(20003, "Authenticate", status: 401)
        response.headers[.wwwAuthenticate] = "Basic realm=\"Twilio API\""
        return response
    }

    /// Twilio's error JSON with `status`.
    static func error(_ code: Int, _ message: String, status: Int) -> Response {
        json(TwilioErrorJSON(code: code, message: message, status: status), status: HTTPResponse.Status(code: status))
    }

    /// `value` as JSON.
    static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return jsonResponse(data, status: status)
    }

    /// A JSON body with `status`.
    static func jsonResponse(_ data: Data, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
