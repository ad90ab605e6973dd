import AmplifiCarriers
public import AmplifiEngine
public import AmplifiHTTP
import AmplifiPostgres
import AmplifiMessaging
import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore

/// The receiver's HTTP routes: signed status callbacks (batched), signed inbound messages,
/// `/livez`, `/readyz`, `/healthz` and `/metrics`.
public struct ReceiverRoutes: Sendable {
    /// Status callbacks: `POST /twilio/status/<org id>/<message id>` (what workers put in each
    /// message's `StatusCallback`, ``StatusCallbackTarget``). Also accepted: the pre-011
    /// `POST /twilio/status/<message id>`, which the carrier keeps using for the callbacks of messages
    /// sent before the upgrade (the org is then read from the row), and a bare `POST /twilio/status`
    /// (the report is matched by the carrier's sid).
    public static let statusPath = "/twilio/status"
    /// Inbound messages: `POST /twilio/inbound` (the messaging webhook of the org's numbers).
    public static let inboundPath = "/twilio/inbound"
    /// The largest form body read (Twilio's are well under 8 KB).
    static let maxBodyBytes = 64 * 1024

    /// The header a signed webhook carries.
    static let signatureHeader = HTTPField.Name("X-Twilio-Signature")!

    let verifier: TwilioWebhookVerifier
    let batcher: StatusReportBatcher
    let inbound: InboundMessageHandler
    let health: HealthRoutes
    let inFlight: InFlightLimit
    let metrics: ReceiverMetrics
    let logger: Logger

    /// Routes that verify with `verifier`, batch status reports into `batcher`, hand inbound
    /// messages to `inbound`, answer health from `readiness` and shed webhooks beyond `inFlight`.
    public init(
        verifier: TwilioWebhookVerifier, batcher: StatusReportBatcher, inbound: InboundMessageHandler,
        readiness: ReadinessProbe, inFlight: InFlightLimit, metrics: ReceiverMetrics, logger: Logger
    ) {
        self.verifier = verifier
        self.batcher = batcher
        self.inbound = inbound
        self.health = HealthRoutes(probe: readiness)
        self.inFlight = inFlight
        self.metrics = metrics
        self.logger = logger
    }

    /// A router with every route.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        // The two shapes share their first segment, which the router needs under one name: the org
        // id in `/<org id>/<message id>`, the message id in the pre-011 `/<message id>` (messages
        // sent before the upgrade; no org, it comes from the row).
        router.post("\(Self.statusPath)/:orgOrMessageID/:messageID") { request, context in
            await self.status(
                request, orgID: context.parameters.get("orgOrMessageID").flatMap { UUID(uuidString: $0) },
                messageID: context.parameters.get("messageID").flatMap { Int64($0) })
        }
        router.post("\(Self.statusPath)/:orgOrMessageID") { request, context in
            await self.status(
                request, orgID: nil, messageID: context.parameters.get("orgOrMessageID").flatMap { Int64($0) })
        }
        router.post(RouterPath(Self.statusPath)) { request, _ in
            await self.status(request, orgID: nil, messageID: nil)
        }
        router.post(RouterPath(Self.inboundPath)) { request, _ in
            await self.inboundMessage(request)
        }
        health.add(to: router)
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: self.metrics.render())))
        }
        return router
    }

    /// Reads and verifies a signed form post; nil (with the response to send) when it must be refused.
    /// A request without a signature is refused before its body is read. The verified fields come
    /// back without the characters Postgres cannot store (the signature covers the raw values).
    private func verifiedFields(_ request: Request) async -> Result<[(key: String, value: String)], Refused> {
        guard let signature = request.headers[Self.signatureHeader], !signature.isEmpty else {
            metrics.rejected(.signature)
            return .failure(Refused(ReceiverResponses.missingSignature))
        }
        var request = request
        guard let body = try? await request.collectBody(upTo: Self.maxBodyBytes) else {
            metrics.rejected(.malformed)
            return .failure(
                Refused(
                    ReceiverResponses.error(
                        .contentTooLarge, code: "VALIDATION_FAILED",
                        message: "the form body is unreadable or larger than \(Self.maxBodyBytes) bytes")))
        }
        let fields = FormURLEncoding.decode(String(decoding: body.readableBytesView, as: UTF8.self))
        guard verifier.isValid(header: signature, pathAndQuery: request.uri.string, fields: fields) else {
            metrics.rejected(.signature)
            logger.warning("webhook signature mismatch", metadata: ["path": "\(request.uri.path)"])
            return .failure(Refused(ReceiverResponses.badSignature))
        }
        return .success(PostgresText.sanitized(fields))
    }

    /// A refusal carrying its response.
    struct Refused: Error {
        let response: Response
        init(_ response: Response) { self.response = response }
    }

    /// Runs `handle` with the form fields of a verified request, or answers the refusal; past the
    /// in-flight limit, answers 503 at once without reading anything.
    private func verified(
        _ request: Request, _ handle: ([(key: String, value: String)]) async -> Response
    ) async -> Response {
        await inFlight.run {
            switch await verifiedFields(request) {
            case .success(let fields): await handle(fields)
            case .failure(let refused): refused.response
            }
        } refused: {
            metrics.rejected(.overloaded)
            return ReceiverResponses.overloaded
        }
    }

    /// `POST /twilio/status[/<org id>]/<message id>` or `POST /twilio/status`: verify, parse, wait for
    /// the batch to commit, answer 200. An org or id that does not parse is left out (the sid decides).
    func status(_ request: Request, orgID: UUID?, messageID: Int64?) async -> Response {
        await verified(request) { fields in await status(fields: fields, orgID: orgID, messageID: messageID) }
    }

    /// A verified status callback: parse it, wait for its batch to commit, answer 200.
    private func status(fields: [(key: String, value: String)], orgID: UUID?, messageID: Int64?) async -> Response {
        guard let report = TwilioStatusCallback.report(fields: fields) else {
            metrics.rejected(.malformed)
            return ReceiverResponses.error(
                .badRequest, code: "VALIDATION_FAILED",
                message: "a status callback needs MessageSid and a known MessageStatus")
        }
        metrics.callbackReceived(report.status)
        do {
            try await batcher.submit(
                DeliveryEvent(orgID: orgID, messageID: messageID, report: report, raw: fields, source: .callback))
            return ReceiverResponses.accepted
        } catch is StatusReportBatcher.Refusal {
            metrics.rejected(.overloaded)
            return ReceiverResponses.unavailable
        } catch is StatusReportBatcher.RowRefused {
            metrics.rejected(.unstorable)
            return ReceiverResponses.unstorable
        } catch {
            metrics.rejected(.failed)
            return ReceiverResponses.unavailable
        }
    }

    /// `POST /twilio/inbound`: verify, store and act (opt-out, reply credit, auto-reply), answer empty TwiML.
    func inboundMessage(_ request: Request) async -> Response {
        await verified(request) { fields in await inboundMessage(fields: fields) }
    }

    /// A verified inbound message: store it and act on it.
    private func inboundMessage(fields: [(key: String, value: String)]) async -> Response {
        guard let message = InboundWebhook.message(fields: fields) else {
            metrics.rejected(.malformed)
            return ReceiverResponses.error(
                .badRequest, code: "VALIDATION_FAILED", message: "an inbound message needs MessageSid, From and To")
        }
        do {
            let outcome = try await inbound.handle(message)
            metrics.inboundReceived(InboundWebhook.kind(of: outcome))
            if let reply = outcome.autoReply { metrics.autoReply(InboundWebhook.metricOutcome(reply)) }
            return ReceiverResponses.emptyTwiML
        } catch let error as EngineError where error.code.rawValue == "NOT_FOUND" {
            metrics.rejected(.unknownNumber)
            return ReceiverResponses.error(.notFound, code: error.code.rawValue, message: error.message)
        } catch {
            metrics.rejected(.failed)
            logger.error("inbound message not handled", metadata: ["error": "\(error)"])
            return ReceiverResponses.unavailable
        }
    }
}
