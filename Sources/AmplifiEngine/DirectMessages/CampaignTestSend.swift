public import AmplifiCarriers
import AmplifiMessaging
public import AmplifiPostgres
public import AmplifiRedis
public import Foundation
public import Logging

/// `POST /api/campaigns/{id}/test`: the campaign's message, rendered with preview values, sent now
/// to a few numbers of the team, through the path every single message takes (``ReplySender``:
/// charge, the sender number's fleet-wide rate reservation, claim, carrier, record, refund).
///
/// Before anything is written it reads, in one round-trip, the sender number, the numbers among
/// the recipients that opted out of the organization, and the balance: an opted-out number refuses
/// the whole request (`CONTACT_OPTED_OUT`, nothing sent), so does a balance below the total price
/// (`INSUFFICIENT_CREDITS`). Then it stores one `reply_messages` row per number (kind `test_send`,
/// one statement) and sends them concurrently; each is charged to the campaign under its own
/// credit batch (`test:<row id>`), so the campaign's `creditsUsed` and the ledger stay equal.
/// Quiet hours do not apply: the team asked for the text now.
public struct CampaignTestSend: Sendable {
    /// How long a number may wait for its rate budget before the send is left `pending` for the
    /// receiver's sweep (ten numbers on a 1 msg/s long code take ten seconds).
    public static let maxRateWait: Duration = .seconds(12)

    let client: PostgresClient
    let campaigns: CampaignStore
    let sender: ReplySender
    let logger: Logger

    /// Test sends over Postgres (`client`) through `carrier`, paced by the sender numbers' rate
    /// buckets in `redis` (under `keys`).
    /// `statusCallbackBase` is the receiver's status path (`<public URL>/twilio/status`; nil: no callbacks).
    public init(
        client: PostgresClient, redis: RedisClient, keys: QueueKeys, carrier: any Carrier,
        statusCallbackBase: String? = nil, logger: Logger
    ) {
        self.client = client
        self.campaigns = CampaignStore(client: client, logger: logger)
        self.sender = ReplySender(
            client: client, limiter: SenderRateLimiter(client: redis, keys: keys, logger: logger),
            maxRateWait: Self.maxRateWait, carrier: carrier, statusCallbackBase: statusCallbackBase, logger: logger)
        self.logger = logger
    }

    // MARK: - SQL

    // The organization's balance, the sender number (the request's, else the campaign's, else the
    // org's default; another org's id finds nothing), and which recipients opted out of this org.
    static func contextQuery(orgID: UUID, senderID: UUID?, phones: [String]) -> PostgresQuery {
        """
        SELECT o.credit_balance, o.billing_active, p.id AS sender_id, p.e164, p.mps::float8 AS mps,
               ARRAY(SELECT c.phone FROM contacts c
                     WHERE c.org_id = o.id AND c.phone = ANY(\(phones)::text[]) AND c.opted_out_at IS NOT NULL
                     ORDER BY c.phone) AS opted_out
        FROM organizations o
        LEFT JOIN phone_numbers p ON p.org_id = o.id AND p.id = coalesce(\(senderID)::uuid,
            (SELECT d.id FROM phone_numbers d WHERE d.org_id = o.id AND d.is_default ORDER BY d.created_at LIMIT 1))
        WHERE o.id = \(orgID)
        """
    }

    // One row per number, in the request's order; the contact is linked when the number is one, so
    // a carrier refusal that marks the number (not textable, opted out at the carrier) marks it.
    static func insertQuery(
        orgID: UUID, campaignID: UUID, senderID: UUID, phones: [String], plans: [MessagePlan], mediaURL: String?
    ) -> PostgresQuery {
        let bodies = plans.map(\.text)
        let encodings = plans.map(\.encoding.databaseValue)
        let segments = plans.map { max(1, $0.segmentCount) }
        let credits = plans.map(\.credits)
        return """
            INSERT INTO reply_messages (org_id, kind, campaign_id, contact_id, phone_number_id, to_phone, body,
                                        encoding, segments, credits, media_url)
            SELECT \(orgID), 'test_send', \(campaignID), c.id, \(senderID), u.phone, u.body, u.encoding,
                   u.segments, u.credits, \(mediaURL)::text
            FROM unnest(\(phones)::text[], \(bodies)::text[], \(encodings)::text[], \(segments)::int[],
                        \(credits)::int[]) WITH ORDINALITY AS u(phone, body, encoding, segments, credits, ord)
            LEFT JOIN contacts c ON c.org_id = \(orgID) AND c.phone = u.phone
            ORDER BY u.ord
            RETURNING id, to_phone
            """
    }

    // MARK: - Sending

    /// Sends `request` for campaign `campaignID` of `orgID`; one result per number, in order.
    /// Throws `NOT_FOUND` for a campaign not in the org, `VALIDATION_FAILED` for a message that
    /// cannot be sent or a sender number not in the org, `NO_FROM_NUMBER` when there is no sender,
    /// `CONTACT_OPTED_OUT` and `INSUFFICIENT_CREDITS` as described above.
    public func send(campaignID: UUID, orgID: UUID, request: TestSendRequest) async throws -> [TestSendResult] {
        guard let campaign = try await campaigns.fetch(campaignID: campaignID, orgID: orgID) else {
            throw EngineError(.notFound, "no campaign \(campaignID.uuidString.lowercased()) in this organization")
        }
        let plans = try Self.plan(request: request, campaign: campaign)
        let phones = request.phoneNumbers.map(\.e164)
        let row = try await client.query(
            Self.contextQuery(
                orgID: orgID, senderID: request.fromPhoneNumberID ?? campaign.fromPhoneNumberID, phones: phones))[0]
        let (balance, billingActive, senderID, from, mps, optedOut) = try row.decode(
            (Int64, Bool, UUID?, String?, Double?, [String]).self)
        if !optedOut.isEmpty {
            throw EngineError(
                .contactOptedOut,
                "\(optedOut.joined(separator: ", ")) opted out of this organization's messages; a test send never "
                    + "texts an opted-out number (remove it from phoneNumbers)", field: "phoneNumbers")
        }
        guard let senderID, let from, let mps else {
            if let requested = request.fromPhoneNumberID {
                throw ValidationFailure([
                    EngineError(
                        .validationFailed,
                        "no phone number \(requested.uuidString.lowercased()) in this organization",
                        field: "fromPhoneNumberId")
                ])
            }
            throw EngineError(
                .noFromNumber,
                "the campaign has no sending number and the organization no default; pass fromPhoneNumberId",
                field: "fromPhoneNumberId")
        }
        let total = plans.reduce(0) { $0 + $1.credits }
        try CreditBalance.requireAffordable(
            balance: balance, billingActive: billingActive, cost: total, what: "the test send")
        let stored = try await client.query(
            Self.insertQuery(
                orgID: orgID, campaignID: campaignID, senderID: senderID, phones: phones, plans: plans,
                mediaURL: request.mediaURL ?? campaign.mediaURL))
        let ids = try stored.map { try $0.decode(Int64.self, at: 0) }
        let pending = zip(ids, zip(phones, plans)).map { id, recipient in
            PendingReply(
                id: id, orgID: orgID, kind: .testSend, inboundMessageID: nil, campaignID: campaignID,
                senderID: senderID, from: from, senderMPS: mps, to: recipient.0, body: recipient.1.text,
                mediaURL: request.mediaURL ?? campaign.mediaURL, segments: max(1, recipient.1.segmentCount),
                credits: recipient.1.credits, attempt: 0)
        }
        let outcomes = try await withThrowingTaskGroup(
            of: (Int, (status: ReplyStatus, credits: Int, providerMessageID: String?, errorCode: String?)).self
        ) { group in
            for (index, message) in pending.enumerated() {
                group.addTask { (index, try await sender.deliver(message)) }
            }
            var outcomes = [(status: ReplyStatus, credits: Int, providerMessageID: String?, errorCode: String?)?](
                repeating: nil, count: pending.count)
            for try await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes.compactMap { $0 }
        }
        logger.info(
            "test send handed to the carrier",
            metadata: [
                "org_id": .id(orgID), "campaign_id": .id(campaignID), "numbers": "\(phones.count)",
                "sent": "\(outcomes.filter { $0.status == .sent }.count)", "credits": "\(total)",
            ])
        return zip(zip(phones, plans), outcomes).map { recipient, outcome in
            let (phone, plan) = recipient
            return TestSendResult(
                phoneNumber: phone, status: outcome.status, text: plan.text, encoding: plan.encoding,
                route: plan.route, segments: max(1, plan.segmentCount), credits: outcome.credits,
                messageSid: outcome.providerMessageID, error: TestSendResult.failure(code: outcome.errorCode))
        }
    }

    /// The message for each number: the request's or the campaign's template (variant A's for an
    /// A/B campaign without a main message), rendered with the preview values (`{{phone}}` is the
    /// recipient's), then planned with the campaign's routing and normalization. Every problem is
    /// a validation failure naming its field.
    static func plan(request: TestSendRequest, campaign: Campaign) throws -> [MessagePlan] {
        guard let source = request.message ?? campaign.message ?? campaign.messageVariantA else {
            throw ValidationFailure([
                EngineError(
                    .validationFailed, "is required: the campaign has no message yet; pass one", field: "message")
            ])
        }
        let template: MergeTemplate
        do {
            // Any field name is accepted: the campaign's own fields were checked when it was saved,
            // and a field the preview values lack renders its fallback, as for a contact without it.
            template = try MergeTemplate(parsing: source, customFieldKeys: SendCampaign.tagNames(in: source))
        } catch {
            throw ValidationFailure([EngineError(.validationFailed, error.message, field: "message")])
        }
        let mediaURL = request.mediaURL ?? campaign.mediaURL
        return try request.phoneNumbers.map { number in
            let body = template.render { field in
                request.mergeData[field.description] ?? (field == .standard(.phone) ? number.e164 : nil)
            }
            do {
                return try MessagePlanner.plan(
                    body: body, mediaURL: mediaURL, forceRoute: campaign.forceRoute,
                    normalizeText: campaign.normalizeText)
            } catch let error as MessageValidationError {
                let field = error.field == "mediaUrl" && request.mediaURL != nil ? "mediaUrls" : error.field
                throw ValidationFailure([EngineError(.validationFailed, error.message, field: field)])
            }
        }
    }
}
