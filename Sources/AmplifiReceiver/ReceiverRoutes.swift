import AmplifiCarriers
public import AmplifiEngine
public import AmplifiHTTP
import AmplifiMessaging
import AmplifiPostgres
import Foundation
import HTTPTypes
public import Hummingbird
import Logging
import NIOCore

/// The receiver's HTTP routes: signed status callbacks of campaign messages (batched) and of
/// replies, signed inbound messages, `/livez`, `/readyz` and `/healthz`.
public struct ReceiverRoutes: Sendable {
    /// Status callbacks: `POST /twilio/status/<org id>/<message id>` (what workers put in each
    /// message's `StatusCallback`, ``StatusCallbackTarget``). Also accepted: the pre-011
    /// `POST /twilio/status/<message id>`, which the carrier keeps using for the callbacks of messages
    /// sent before the upgrade (the org is then read from the row), and a bare `POST /twilio/status`
    /// (the report is matched by the carrier's sid).
    public static let statusPath = "/twilio/status"
    /// Status callbacks of replies (auto-replies, test sends, the team's replies):
    /// `POST /twilio/status/replies/<org id>/<reply id>` (``StatusCallbackTarget/replyURL(base:orgID:replyID:)``).
    public static let replyStatusPath = statusPath + "/replies"
    /// Inbound messages: `POST /twilio/inbound` (the messaging webhook of the org's numbers).
    public static let inboundPath = "/twilio/inbound"
    /// The largest form body read (Twilio's are well under 8 KB).
    static let maxBodyBytes = 64 * 1024

    /// The header a signed webhook carries.
    static let signatureHeader = HTTPField.Name("X-Twilio-Signature")!

    let verifier: TwilioWebhookVerifier
    let batcher: StatusReportBatcher
    let inbound: InboundMessageHandler
    let replies: ReplyStatusApplier
    let health: HealthRoutes
    let inFlight: InFlightLimit
    let metrics: ReceiverMetrics

    /// Routes that verify with `verifier`, batch status reports into `batcher`, apply replies'
    /// reports with `replies`, hand inbound messages to `inbound`, answer health from `readiness`
    /// and shed webhooks beyond `inFlight`.
    public init(
        verifier: TwilioWebhookVerifier, batcher: StatusReportBatcher, inbound: InboundMessageHandler,
        replies: ReplyStatusApplier, readiness: ReadinessProbe, inFlight: InFlightLimit, metrics: ReceiverMetrics
    ) {
        self.verifier = verifier
        self.batcher = batcher
        self.inbound = inbound
        self.replies = replies
        self.health = HealthRoutes(probe: readiness)
        self.inFlight = inFlight
        self.metrics = metrics
    }

    /// A router with every route.
    public func router() -> Router<AmplifiRequestContext> {
        let router = Router(context: AmplifiRequestContext.self)
        router.add(middleware: ResponseMetricsMiddleware(server: "public"))
        router.add(middleware: RequestIDMiddleware())
        // The two shapes share their first segment, which the router needs under one name: the org
        // id in `/<org id>/<message id>`, the message id in the pre-011 `/<message id>` (messages
        // sent before the upgrade; no org, it comes from the row).
        router.post("\(Self.replyStatusPath)/:orgID/:replyID") { request, context in
            try await self.replyStatus(
                request, orgID: context.parameters.get("orgID").flatMap { UUID(uuidString: $0) },
                replyID: context.parameters.get("replyID").flatMap { Int64($0) }, logger: context.logger)
        }
        router.post("\(Self.statusPath)/:orgOrMessageID/:messageID") { request, context in
            try await self.status(
                request, orgID: context.parameters.get("orgOrMessageID").flatMap { UUID(uuidString: $0) },
                messageID: context.parameters.get("messageID").flatMap { Int64($0) }, logger: context.logger)
        }
        router.post("\(Self.statusPath)/:orgOrMessageID") { request, context in
            try await self.status(
                request, orgID: nil, messageID: context.parameters.get("orgOrMessageID").flatMap { Int64($0) },
                logger: context.logger)
        }
        router.post(RouterPath(Self.statusPath)) { request, context in
            try await self.status(request, orgID: nil, messageID: nil, logger: context.logger)
        }
        router.post(RouterPath(Self.inboundPath)) { request, context in
            try await self.inboundMessage(request, logger: context.logger)
        }
        // Health stays on the public port for a load balancer in front of the receiver (cloud load
        // balancers probe the port they forward to); metrics are on the admin port only, so nothing
        // behind the public ingress can read them.
        health.add(to: router)
        return router
    }

    /// Reads and verifies a signed form post, throwing the refusal when it must be refused. A
    /// request without a signature is refused before its body is read. The verified fields come
    /// back without the characters Postgres cannot store (the signature covers the raw values).
    private func verifiedFields(
        _ request: Request, logger: Logger
    ) async throws(APIError) -> [(key: String, value: String)] {
        guard let signature = request.headers[Self.signatureHeader], !signature.isEmpty else {
            metrics.rejected(.signature)
            throw ReceiverResponses.missingSignature
        }
        var request = request
        guard let body = try? await request.collectBody(upTo: Self.maxBodyBytes) else {
            metrics.rejected(.malformed)
            throw ReceiverResponses.unreadableBody
        }
        let fields = FormURLEncoding.decode(String(decoding: body.readableBytesView, as: UTF8.self))
        guard verifier.isValid(header: signature, pathAndQuery: request.uri.string, fields: fields) else {
            metrics.rejected(.signature)
            logger.warning("webhook signature mismatch", metadata: ["path": "\(request.uri.path)"])
            throw ReceiverResponses.badSignature
        }
        return PostgresText.sanitized(fields)
    }

    /// Runs `handle` with the form fields of a verified request, or throws the refusal; past the
    /// in-flight limit, refuses with 503 at once without reading anything.
    private func verified(
        _ request: Request, logger: Logger, _ handle: ([(key: String, value: String)]) async throws -> Response
    ) async throws -> Response {
        try await inFlight.run {
            try await handle(try await verifiedFields(request, logger: logger))
        } refused: {
            metrics.rejected(.overloaded)
            throw ReceiverResponses.overloaded
        }
    }

    /// `POST /twilio/status[/<org id>]/<message id>` or `POST /twilio/status`: verify, parse, wait for
    /// the batch to commit, answer 200. An org or id that does not parse is left out (the sid decides).
    func status(_ request: Request, orgID: UUID?, messageID: Int64?, logger: Logger) async throws -> Response {
        try await verified(request, logger: logger) { fields in
            try await status(fields: fields, orgID: orgID, messageID: messageID)
        }
    }

    /// A verified status callback: parse it, wait for its batch to commit, answer 200.
    private func status(
        fields: [(key: String, value: String)], orgID: UUID?, messageID: Int64?
    ) async throws(APIError) -> Response {
        guard let report = TwilioStatusCallback.report(fields: fields) else {
            metrics.rejected(.malformed)
            throw ReceiverResponses.malformedStatus
        }
        metrics.callbackReceived(report.status)
        do {
            try await batcher.submit(
                DeliveryEvent(orgID: orgID, messageID: messageID, report: report, raw: fields, source: .callback))
            return ReceiverResponses.accepted
        } catch is StatusReportBatcher.Refusal {
            metrics.rejected(.overloaded)
            throw ReceiverResponses.unavailable
        } catch is StatusReportBatcher.RowRefused {
            metrics.rejected(.unstorable)
            throw ReceiverResponses.unstorable
        } catch {
            metrics.rejected(.failed)
            throw ReceiverResponses.unavailable
        }
    }

    /// `POST /twilio/status/replies/<org id>/<reply id>`: verify, apply the report to the reply (one
    /// statement; replies are few), answer 200 — also when the reply is unknown or the report
    /// changes nothing (the carrier would only retry it).
    func replyStatus(_ request: Request, orgID: UUID?, replyID: Int64?, logger: Logger) async throws -> Response {
        try await verified(request, logger: logger) { fields in
            guard let report = TwilioStatusCallback.report(fields: fields), let orgID, let replyID else {
                metrics.rejected(.malformed)
                throw ReceiverResponses.malformedStatus
            }
            metrics.callbackReceived(report.status)
            let outcome: ReplyStatusApplier.Outcome
            do {
                outcome = try await replies.apply(orgID: orgID, replyID: replyID, report: report)
            } catch {
                metrics.rejected(.failed)
                throw ReceiverResponses.unavailable
            }
            metrics.replyStatusApplied(outcome)
            return ReceiverResponses.accepted
        }
    }

    /// `POST /twilio/inbound`: verify, store and act (opt-out, reply credit, auto-reply), answer empty TwiML.
    func inboundMessage(_ request: Request, logger: Logger) async throws -> Response {
        try await verified(request, logger: logger) { fields in try await inboundMessage(fields: fields, logger: logger)
        }
    }

    /// A verified inbound message: store it and act on it.
    private func inboundMessage(
        fields: [(key: String, value: String)], logger: Logger
    ) async throws(APIError) -> Response {
        guard let message = InboundWebhook.message(fields: fields) else {
            metrics.rejected(.malformed)
            throw ReceiverResponses.malformedInbound
        }
        do {
            let outcome = try await inbound.handle(message)
            metrics.inboundReceived(InboundWebhook.kind(of: outcome))
            if let reply = outcome.autoReply { metrics.autoReply(InboundWebhook.metricOutcome(reply)) }
            return ReceiverResponses.emptyTwiML
        } catch let error as EngineError where error.code == .notFound {
            metrics.rejected(.unknownNumber)
            throw APIError(.notFound, code: error.code, message: error.message)
        } catch {
            metrics.rejected(.failed)
            logger.error("inbound message not handled", metadata: ["error": "\(error)"])
            throw ReceiverResponses.unavailable
        }
    }
}
