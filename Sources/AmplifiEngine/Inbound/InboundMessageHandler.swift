public import AmplifiCarriers
import AmplifiMessaging
public import AmplifiPostgres
public import AmplifiRedis
import Foundation
public import Logging

/// Stores and acts on inbound messages: opt-out/opt-in keywords, reply credit to the campaign the
/// contact last received, and the campaign's automatic reply, metered and sent.
///
/// Per message: one read (number, contact, last campaign) and ONE write statement (the inbound
/// row, the contact's subscription, the campaign's counters and the pending reply, all or
/// nothing). A reply then costs a charge, a claim, the carrier call and a record — the campaign
/// pipeline's steps for a batch of one, including the sender number's fleet-wide rate reservation.
/// Idempotent per `providerMessageID`: a redelivered webhook stores, counts and sends nothing. Logs
/// carry ids only, never phones or bodies.
///
/// A campaign answers a contact at most once per trigger (yes, no, each FAQ) within
/// `replyWindow`: a contact texting YES a hundred times, or a bot answering our answer, costs one
/// charged reply. Later messages are stored and counted as usual, and not answered.
public struct InboundMessageHandler: Sendable {
    let store: InboundStore
    let replies: ReplyStore
    let sender: ReplySender
    let replyWindow: Duration
    let logger: Logger

    /// A handler over Postgres (`client`) sending replies through `carrier`, paced by the sender
    /// numbers' rate buckets in `redis` (under `keys`). A reply that would wait longer than
    /// `maxRateWait` for its number is left `pending` for ``sendPendingReplies(olderThan:limit:)``.
    /// `statusCallbackBase` is the receiver's status path (`<public URL>/twilio/status`; nil: the
    /// replies get no status callbacks).
    public init(
        client: PostgresClient, redis: RedisClient, keys: QueueKeys = QueueKeys(), carrier: any Carrier,
        replyWindow: Duration = .seconds(86_400), maxRateWait: Duration = .seconds(2),
        statusCallbackBase: String? = nil, logger: Logger
    ) {
        self.store = InboundStore(client: client)
        self.replies = ReplyStore(client: client)
        self.sender = ReplySender(
            client: client, limiter: SenderRateLimiter(client: redis, keys: keys, logger: logger),
            maxRateWait: maxRateWait, carrier: carrier, statusCallbackBase: statusCallbackBase, logger: logger)
        self.replyWindow = replyWindow
        self.logger = logger
    }

    /// Stores and acts on one inbound message; idempotent per providerMessageID.
    /// Throws EngineError NOT_FOUND when no organization owns `to` (the receiver answers 404).
    public func handle(_ message: InboundMessage) async throws -> InboundOutcome {
        var (outcome, pending) = try await storeMessage(message)
        if let pending, let reply = outcome.autoReply {
            let sent = try await sender.deliver(pending)
            outcome.autoReply = AutoReplyOutcome(
                replyID: reply.replyID, trigger: reply.trigger, status: sent.status, credits: sent.credits,
                providerMessageID: sent.providerMessageID, errorCode: sent.errorCode)
        }
        return outcome
    }

    /// Stores and acts on one inbound message like ``handle(_:)`` but leaves its auto-reply
    /// `pending` for ``sendPendingReplies(olderThan:limit:)`` (for a receiver that acknowledges the
    /// webhook first and sends later).
    public func store(_ message: InboundMessage) async throws -> InboundOutcome {
        try await storeMessage(message).outcome
    }

    /// Sends auto-replies left pending (e.g. the process died after storing); returns how many were sent.
    /// Each reply is charged idempotently and claimed before it is sent, so two processes running this
    /// at once never send one reply twice.
    public func sendPendingReplies(olderThan: Duration, limit: Int) async throws -> Int {
        let pending = try await replies.pending(olderThan: olderThan, limit: max(0, limit))
        var sent = 0
        for reply in pending where try await sender.deliver(reply).status == .sent {
            sent += 1
        }
        if !pending.isEmpty {
            logger.info("pending auto-replies sent", metadata: ["found": "\(pending.count)", "sent": "\(sent)"])
        }
        return sent
    }

    /// Moves replies claimed more than `olderThan` ago and never recorded (the sending process died
    /// at the carrier) to `unknown`: never re-sent, because the carrier may have them. Returns how many.
    public func expireStaleReplies(olderThan: Duration) async throws -> Int {
        let expired = try await replies.expireClaims(olderThan: olderThan)
        if expired > 0 { logger.info("stale auto-reply claims expired", metadata: ["replies": "\(expired)"]) }
        return expired
    }

    /// Reads the context, decides keyword and reply, and stores everything in one statement.
    func storeMessage(_ message: InboundMessage) async throws -> (outcome: InboundOutcome, pending: PendingReply?) {
        // Normalized when it parses; else as given (a stored contact phone or number is E.164 and
        // the lookups are exact, so a carrier short code simply matches no contact).
        let normalizedFrom = try? PhoneNumber.normalize(message.from)
        let from = normalizedFrom ?? message.from
        let to = (try? PhoneNumber.normalize(message.to)) ?? message.to
        guard var context = try await store.context(to: to, from: from) else {
            throw EngineError(
                .notFound, "no organization owns the number the message was sent to; add the number to an organization",
                field: "To")
        }
        let keyword = InboundKeyword.classify(message.body, contactIsOptedOut: context.contactOptedOut)
        // A stranger's STOP still suppresses the number (rare: one extra statement).
        if keyword == .optOut, context.contactID == nil, let normalizedFrom {
            context.contactID = try await store.suppress(org: context.orgID, phone: normalizedFrom)
            context.contactOptedOut = true
        }
        let reply = planReply(message: message, keyword: keyword, context: context, to: from)
        var outcome = InboundOutcome(
            stored: false, inboundMessageID: nil, orgID: context.orgID, contactID: context.contactID, keyword: keyword,
            campaignID: context.campaignID, autoReply: nil)
        var metadata: Logger.Metadata = [
            "org_id": .id(context.orgID), "keyword": "\(keyword.databaseValue ?? "reply")",
        ]
        if let campaignID = context.campaignID { metadata["campaign_id"] = .id(campaignID) }
        guard
            let written = try await store.store(
                InboundStore.Write(
                    context: context, message: message, keyword: keyword,
                    reply: reply.map { (to: $0.to, plan: $0.plan, trigger: $0.trigger) }, replyWindow: replyWindow))
        else {
            logger.debug("inbound message redelivered; ignored", metadata: metadata)
            return (outcome, nil)
        }
        metadata["inbound_id"] = .id(written.inboundID)
        outcome.stored = true
        outcome.inboundMessageID = written.inboundID
        logger.info("inbound message stored", metadata: metadata)
        guard let reply, let campaignID = context.campaignID else { return (outcome, nil) }
        guard let replyID = written.replyID else {
            outcome.autoReplyWithheld = true
            metadata["trigger"] = "\(reply.trigger.windowKey)"
            logger.info(
                "auto-reply withheld: this contact got one for the same trigger within the window", metadata: metadata)
            return (outcome, nil)
        }
        outcome.autoReply = AutoReplyOutcome(
            replyID: replyID, trigger: reply.trigger, status: .pending, credits: reply.plan.credits)
        let pending = PendingReply(
            id: replyID, orgID: context.orgID, kind: .autoReply, inboundMessageID: written.inboundID,
            campaignID: campaignID,
            senderID: context.phoneNumberID, from: context.numberE164, senderMPS: context.numberMPS, to: reply.to,
            body: reply.plan.text, segments: max(1, reply.plan.segmentCount), credits: reply.plan.credits, attempt: 0)
        return (outcome, pending)
    }

    /// The campaign's reply to this message, rendered and planned like a campaign message, or nil.
    /// Only a known, subscribed contact of a campaign with auto-reply gets one (opted-out contacts get no
    /// replies: docs/product-rules.md#contacts).
    func planReply(
        message: InboundMessage, keyword: InboundKeyword, context: InboundContext, to: String?
    ) -> (trigger: AutoReplyTrigger, to: String, plan: MessagePlan)? {
        guard let to, let settings = context.settings, let values = context.values, !context.contactOptedOut,
            let choice = AutoReplyRule.choose(body: message.body, keyword: keyword, settings: settings)
        else { return nil }
        let rendered = SendCampaign.parse(choice.text)?.render(values) ?? choice.text
        do {
            let plan = try MessagePlanner.plan(body: rendered, normalizeText: context.normalizeText)
            return (choice.trigger, to, plan)
        } catch {
            logger.info(
                "auto-reply not sendable; none sent",
                metadata: [
                    "org_id": .id(context.orgID), "campaign_id": "\(context.campaignID.map { "\($0)" } ?? "")",
                    "reason": "\(error.code)",
                ])
            return nil
        }
    }
}
