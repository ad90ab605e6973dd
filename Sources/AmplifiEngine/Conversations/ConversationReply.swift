public import AmplifiCarriers
import AmplifiMessaging
public import AmplifiPostgres
public import AmplifiRedis
public import Foundation
public import Logging

/// `POST /api/conversations/{phoneNumber}/reply`: the team answers a contact, now. One read
/// decides before anything is written — the contact (it must exist, be opted in and be textable:
/// a pending lookup blocks too), the sender number (the request's, which must be the
/// organization's, else its default) and the balance — then one statement stores the reply
/// (`reply_messages`, kind `manual_reply`, charged to the organization under `manual:<id>`, no
/// campaign) and opens the conversation if there was none, and ``ReplySender`` sends it on the
/// single-message path **ahead of campaign traffic** on the number (the rate limiter's priority
/// lane: the campaign behind it slows by the reply's segments). Quiet hours do not apply.
public struct ConversationReply: Sendable {
    /// How long a reply may wait for its number (the priority lane makes this rare: a backoff).
    public static let maxRateWait: Duration = .seconds(5)

    /// What happened to the reply.
    public struct Outcome: Sendable, Equatable {
        public var id: Int64
        public var phoneNumber: String
        public var message: String
        public var status: ReplyStatus
        public var sentAt: Date?
        public var providerMessageID: String?
        public var errorCode: String?
        public var credits: Int
    }

    let client: PostgresClient
    let sender: ReplySender
    let logger: Logger

    /// Replies over Postgres (`client`) through `carrier`, on the sender numbers' rate buckets in
    /// `redis` (under `keys`).
    /// `statusCallbackBase` is the receiver's status path (`<public URL>/twilio/status`; nil: no callbacks).
    public init(
        client: PostgresClient, redis: RedisClient, keys: QueueKeys, carrier: any Carrier,
        statusCallbackBase: String? = nil, logger: Logger
    ) {
        self.client = client
        self.sender = ReplySender(
            client: client, limiter: SenderRateLimiter(client: redis, keys: keys, logger: logger),
            maxRateWait: Self.maxRateWait, carrier: carrier, statusCallbackBase: statusCallbackBase, logger: logger)
        self.logger = logger
    }

    // MARK: - SQL

    static func contextQuery(orgID: UUID, phone: String, senderID: UUID?) -> PostgresQuery {
        """
        SELECT o.credit_balance, o.billing_active, c.id AS contact_id, c.opted_out_at IS NOT NULL AS opted_out,
               c.is_textable, p.id AS sender_id, p.e164, p.mps::float8 AS mps
        FROM organizations o
        LEFT JOIN contacts c ON c.org_id = o.id AND c.phone = \(phone) AND c.deleted_at IS NULL
        LEFT JOIN phone_numbers p ON p.org_id = o.id AND p.id = coalesce(\(senderID)::uuid,
            (SELECT d.id FROM phone_numbers d WHERE d.org_id = o.id AND d.is_default ORDER BY d.created_at LIMIT 1))
        WHERE o.id = \(orgID)
        """
    }

    // The reply, and the conversation if the contact never wrote (the reply's record moves it).
    static func insertQuery(
        orgID: UUID, contactID: UUID, senderID: UUID, phone: String, plan: MessagePlan, mediaURL: String?,
        actor: String
    ) -> PostgresQuery {
        """
        WITH reply AS (
            INSERT INTO reply_messages (org_id, kind, contact_id, phone_number_id, to_phone, body, encoding, segments,
                                        credits, media_url, created_by)
            VALUES (\(orgID), 'manual_reply', \(contactID), \(senderID), \(phone), \(plan.text),
                    \(plan.encoding.databaseValue), \(max(1, plan.segmentCount)), \(plan.credits), \(mediaURL)::text,
                    \(actor))
            RETURNING id
        ), thread AS (
            INSERT INTO conversations (org_id, contact_phone, phone_number_id, contact_id, last_message_at,
                                       last_direction, last_preview)
            VALUES (\(orgID), \(phone), \(senderID), \(contactID), now(), 'outbound', left(\(plan.text), 160))
            ON CONFLICT (org_id, contact_phone) DO NOTHING
            RETURNING 1
        )
        SELECT id FROM reply
        """
    }

    // MARK: - Sending

    /// Sends `request` to the contact with `phone` (E.164) for `orgID`, on behalf of `actor`.
    /// Throws `CONTACT_NOT_FOUND`, `CONTACT_OPTED_OUT`, `CONTACT_NON_TEXTABLE`, `NO_FROM_NUMBER`,
    /// `FORBIDDEN` (a sender number not the organization's), `INSUFFICIENT_CREDITS`, and
    /// `VALIDATION_FAILED` for a message that cannot be sent.
    public func send(orgID: UUID, phone: String, request: ReplyRequest, actor: String) async throws -> Outcome {
        let plan: MessagePlan
        do {
            plan = try MessagePlanner.plan(
                body: request.message, mediaURL: request.mediaURL, forceRoute: request.forceRoute,
                normalizeText: request.normalizeText)
        } catch {
            throw ValidationFailure([EngineError(.validationFailed, error.message, field: error.field)])
        }
        let row = try await client.query(
            Self.contextQuery(orgID: orgID, phone: phone, senderID: request.fromPhoneNumberID))[0]
        guard let contactID: UUID = try row.decode(named: "contact_id") else {
            throw EngineError(
                .contactNotFound, "no contact has the number \(phone) in this organization; create the contact first")
        }
        if try row.decode(Bool.self, named: "opted_out") {
            throw EngineError(.contactOptedOut, "the contact opted out and cannot receive messages")
        }
        switch try row.decode(Bool?.self, named: "is_textable") {
        case false?:
            throw EngineError(.contactNonTextable, "the contact's number cannot receive texts (landline or VoIP)")
        case nil:
            throw EngineError(
                .contactNonTextable, "the contact's number is still being looked up; try again once it is textable")
        case true?: break
        }
        guard let senderID: UUID = try row.decode(named: "sender_id"), let from: String = try row.decode(named: "e164"),
            let mps: Double = try row.decode(named: "mps")
        else {
            if request.fromPhoneNumberID != nil {
                throw EngineError(
                    .forbidden, "fromPhoneNumberId does not belong to your organization", field: "fromPhoneNumberId")
            }
            throw EngineError(.noFromNumber, "the organization has no default phone number; pass fromPhoneNumberId")
        }
        let (balance, billingActive) = try row.decode((Int64, Bool).self)
        try CreditBalance.requireAffordable(
            balance: balance, billingActive: billingActive, cost: plan.credits, what: "the reply")
        let id = try await client.query(
            Self.insertQuery(
                orgID: orgID, contactID: contactID, senderID: senderID, phone: phone, plan: plan,
                mediaURL: request.mediaURL, actor: actor))[0].decode(Int64.self, at: 0)
        let pending = PendingReply(
            id: id, orgID: orgID, kind: .manualReply, inboundMessageID: nil, campaignID: nil, senderID: senderID,
            from: from, senderMPS: mps, to: phone, body: plan.text, mediaURL: request.mediaURL,
            segments: max(1, plan.segmentCount), credits: plan.credits, attempt: 0)
        let sent = try await sender.deliver(pending)
        logger.info(
            "manual reply handled",
            metadata: ["org_id": .id(orgID), "reply_id": "\(id)", "status": "\(sent.status.rawValue)"])
        return Outcome(
            id: id, phoneNumber: phone, message: plan.text, status: sent.status,
            sentAt: sent.status == .sent ? Date() : nil, providerMessageID: sent.providerMessageID,
            errorCode: sent.errorCode, credits: sent.credits)
    }
}
