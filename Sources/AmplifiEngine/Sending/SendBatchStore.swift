import AmplifiMessaging
import AmplifiPostgres
import Foundation

/// The send pipeline's SQL: campaign facts, status check, batch claim, batch results and completion.
/// Every statement filters by org_id; every per-batch write is one statement over arrays.
struct SendBatchStore: Sendable {
    let client: PostgresClient

    // MARK: - SQL

    // Read once per chunk: the campaign, its sender number (the stored one, else the org's default,
    // as the API would resolve it) and the org's zone and quiet hours, in one round trip.
    static func campaignQuery(campaignID: UUID, orgID: UUID) -> PostgresQuery {
        """
        SELECT c.status, c.message, c.ab_test, c.message_variant_a, c.message_variant_b, c.ab_winner,
               c.media_url, c.force_route, c.normalize_text, c.timezone AS campaign_timezone,
               o.timezone AS org_timezone, to_char(o.quiet_hours_start, 'HH24:MI') AS quiet_start,
               to_char(o.quiet_hours_end, 'HH24:MI') AS quiet_end, p.id AS sender_id, p.e164 AS sender_e164,
               p.mps::float8 AS sender_mps
        FROM campaigns c
        JOIN organizations o ON o.id = c.org_id
        LEFT JOIN phone_numbers p ON p.org_id = c.org_id AND p.id = coalesce(c.from_phone_number_id,
            (SELECT d.id FROM phone_numbers d WHERE d.org_id = c.org_id AND d.is_default ORDER BY d.created_at LIMIT 1))
        WHERE c.id = \(campaignID) AND c.org_id = \(orgID)
        """
    }

    // Step 1, once per batch: the primary-key probe; Postgres is authoritative for pause/cancel.
    static func statusQuery(campaignID: UUID, orgID: UUID) -> PostgresQuery {
        "SELECT status FROM campaigns WHERE id = \(campaignID) AND org_id = \(orgID)"
    }

    // Step 2 in ONE statement: pick the chunk's next pending rows in id order (campaign_messages_open_idx)
    // with SKIP LOCKED so concurrent workers on one chunk never claim the same row, flip them to
    // 'sending' with the claimant, this claim's id and attempt + 1, and join the contact's CURRENT
    // fields (merge values, zone, suppression) so the send-time checks need no second round trip.
    // Custom fields come back as a JSON object of strings (jsonb_each_text) so Swift decodes them
    // without guessing types. The campaign's A/B winner is read by the same statement: a winner and
    // the rows it released commit together, so a claim that sees a released `main` row also sees the
    // winner it must be rendered with (one snapshot).
    static func claimQuery(
        campaignID: UUID, orgID: UUID, chunk: Int, worker: String, claimID: UUID, limit: Int
    ) -> PostgresQuery {
        """
        WITH picked AS (
            SELECT id FROM campaign_messages
            WHERE org_id = \(orgID) AND campaign_id = \(campaignID) AND chunk = \(chunk) AND status = 'pending'
            ORDER BY id LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
        ), claimed AS (
            UPDATE campaign_messages m
            SET status = 'sending', claimed_by = \(worker), claimed_at = now(), claim_id = \(claimID),
                attempt = m.attempt + 1, credits = NULL, status_updated_at = now()
            FROM picked p
            WHERE m.id = p.id AND m.org_id = \(orgID)
            RETURNING m.id, m.contact_id, m.phone, m.variant, m.attempt
        )
        SELECT cl.id, cl.contact_id, cl.phone, cl.variant, cl.attempt,
               \(unescaped: ContactMergeColumns.selectList),
               c.timezone AS contact_timezone, c.opted_out_at IS NOT NULL AS opted_out, c.is_textable,
               c.deleted_at IS NOT NULL AS deleted,
               (SELECT ab_winner FROM campaigns WHERE id = \(campaignID) AND org_id = \(orgID)) AS ab_winner
        FROM claimed cl
        JOIN contacts c ON c.org_id = \(orgID) AND c.id = cl.contact_id
        ORDER BY cl.id
        """
    }

    // The mid-batch re-check (pause/cancel and suppression), one primary-key probe plus an index
    // lookup of the batch's contacts: run before a paced message leaves when the last check is
    // older than the re-check interval, so a pause or a STOP that committed meanwhile wins.
    static func recheckQuery(campaignID: UUID, orgID: UUID, contactIDs: [UUID]) -> PostgresQuery {
        """
        SELECT (SELECT status FROM campaigns WHERE id = \(campaignID) AND org_id = \(orgID)),
               c.id, c.opted_out_at IS NOT NULL, c.is_textable, c.deleted_at IS NOT NULL
        FROM (SELECT 1) one
        LEFT JOIN contacts c ON c.org_id = \(orgID) AND c.id = ANY(\(contactIDs)::uuid[])
          AND (c.opted_out_at IS NOT NULL OR c.is_textable IS NOT TRUE OR c.deleted_at IS NOT NULL)
        """
    }

    // Step 8 (and the send-time skips/deferrals of step 3, and every row put back) in ONE statement:
    // the batch travels as parallel arrays through unnest. Only rows still in `expected` status under
    // the claim named for them are written (`sending` under this worker's claim; `unknown` when a
    // settle step puts an ambiguous row back), so a row reclaimed, swept or settled by someone else is
    // never overwritten. The contacts CTE marks numbers not textable / opted out (21614, 30006, 21610)
    // and the campaign's counters move once, by what was really written (the data dependency on
    // `written`).
    // Refunds commit with the results: a row given back (refused by the carrier, put back before the
    // carrier call, suppressed mid-batch) carries the credits its claim charged, and `refunded`
    // inserts one ledger refund per written row, naming the claim's debit (refund_of_batch, unique per
    // message and charge: a retried statement refunds nothing twice). Lock order is organization
    // first, campaign second, as for a debit: with refunds the `org_lock` CTE takes the organization
    // row before `campaign` takes the campaign row (the ledger trigger would take it later anyway).
    // A row put back (`pending`, or `deferred`) for a campaign canceled while the batch was at the
    // carrier becomes `canceled` instead: cancel's sweep skipped it because it was `sending`, and a
    // canceled campaign must keep no open rows. The `campaign` CTE locks the campaign row first (the
    // lock `counted` takes anyway) so the status it reads is the latest committed one: a cancel that
    // is committing is waited for, and a cancel that starts later waits for us and sweeps our rows.
    // A batch that puts nothing back does not need that status: it takes the campaign row only in
    // `counted`, at the end of the statement, so batches of one campaign do not queue behind each
    // other's whole row update.
    // An `unknown` row starts unsettled (status_checked_at NULL): the campaign waits for its settle.
    static func recordQuery(
        campaignID: UUID, orgID: UUID, expected: MessageStatus, rows: [RecordedMessage]
    ) -> PostgresQuery {
        let ids = rows.map(\.id)
        let contacts = rows.map(\.contactID)
        let claims = rows.map(\.claimID)
        let statuses = rows.map(\.status.rawValue)
        let skipReasons = rows.map { $0.skipReason?.rawValue }
        let deferUntil = rows.map(\.deferUntil)
        let providerIDs = rows.map(\.providerMessageID)
        let errorCodes = rows.map(\.errorCode)
        let bodies = rows.map(\.body)
        let encodings = rows.map { $0.encoding?.databaseValue }
        let segments = rows.map(\.segments)
        let credits = rows.map(\.credits)
        let attemptDeltas = rows.map(\.attemptDelta)
        let actions = rows.map { $0.contactAction?.rawValue }
        let refunds = rows.map(\.refund)
        let putsBack = rows.contains { $0.status == .pending || $0.status == .deferred }
        let orgLock =
            refunds.contains { $0 > 0 }
            ? "AND (SELECT count(*) FROM (SELECT 1 FROM organizations WHERE id = '\(orgID.uuidString)' FOR NO KEY UPDATE) o) >= 0"
            : ""
        let campaignLock = putsBack ? "\(orgLock) FOR NO KEY UPDATE" : ""
        return """
            WITH r AS (
                SELECT * FROM unnest(\(ids)::bigint[], \(contacts)::uuid[], \(claims)::uuid[], \(statuses)::text[],
                    \(skipReasons)::text[], \(deferUntil)::timestamptz[], \(providerIDs)::text[],
                    \(errorCodes)::text[], \(bodies)::text[], \(encodings)::text[], \(segments)::int[],
                    \(credits)::int[], \(attemptDeltas)::int[], \(actions)::text[], \(refunds)::int[])
                AS r(id, contact_id, claim_id, status, skip_reason, defer_until, provider_id, error_code, body,
                     encoding, segments, credits, attempt_delta, action, refund)
            ), campaign AS (
                SELECT status FROM campaigns WHERE id = \(campaignID) AND org_id = \(orgID) \(unescaped: campaignLock)
            ), written AS (
                UPDATE campaign_messages m SET
                    status = CASE WHEN cp.status = 'canceled' AND r.status IN ('pending', 'deferred')
                                  THEN 'canceled' ELSE r.status END,
                    skip_reason = r.skip_reason,
                    defer_until = CASE WHEN cp.status = 'canceled' THEN NULL ELSE r.defer_until END,
                    provider_message_id = coalesce(r.provider_id, m.provider_message_id),
                    error_code = r.error_code,
                    body = coalesce(r.body, m.body), encoding = coalesce(r.encoding, m.encoding),
                    segments = coalesce(r.segments, m.segments),
                    credits = CASE WHEN r.refund > 0 THEN 0 ELSE coalesce(r.credits, m.credits) END,
                    attempt = greatest(m.attempt + r.attempt_delta, 0),
                    sent_at = CASE WHEN r.status = 'sent' THEN now() ELSE m.sent_at END,
                    status_checked_at = CASE WHEN r.status = 'unknown' THEN NULL ELSE m.status_checked_at END,
                    status_updated_at = now()
                FROM r, campaign cp
                WHERE m.org_id = \(orgID) AND m.campaign_id = \(campaignID) AND m.id = r.id
                  AND m.status = \(expected.rawValue) AND m.claim_id = r.claim_id
                RETURNING m.id, m.status, m.claim_id, r.refund
            ), marked AS (
                UPDATE contacts c SET
                    is_textable = CASE WHEN r.action = 'not_textable' THEN false ELSE c.is_textable END,
                    opted_out_at = CASE WHEN r.action = 'opt_out' THEN coalesce(c.opted_out_at, now())
                                        ELSE c.opted_out_at END
                FROM r
                WHERE c.org_id = \(orgID) AND c.id = r.contact_id AND r.action IS NOT NULL
                RETURNING 1
            ), refunded AS (
                INSERT INTO credit_ledger (org_id, campaign_id, message_id, kind, amount, reason, refund_of_batch)
                SELECT \(orgID)::uuid, \(campaignID)::uuid, w.id, 'refund', w.refund,
                       'not sent, claim ' || w.claim_id::text, w.claim_id::text
                FROM written w
                WHERE w.refund > 0 AND EXISTS (
                    SELECT 1 FROM credit_ledger d
                    WHERE d.org_id = \(orgID) AND d.batch_id = w.claim_id::text AND d.kind = 'debit')
                ORDER BY w.id
                ON CONFLICT DO NOTHING
                RETURNING amount
            ), counted AS (
                UPDATE campaigns SET
                    sent_count = sent_count + w.sent, failed_count = failed_count + w.failed,
                    skipped_count = skipped_count + w.skipped,
                    credits_used = credits_used - (SELECT coalesce(sum(amount), 0) FROM refunded)
                FROM (SELECT count(*) FILTER (WHERE status = 'sent') AS sent,
                             count(*) FILTER (WHERE status = 'failed') AS failed,
                             count(*) FILTER (WHERE status = 'skipped') AS skipped FROM written) w
                WHERE id = \(campaignID) AND org_id = \(orgID)
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM marked), (SELECT count(*) FROM counted),
                   (SELECT coalesce(sum(amount), 0)::bigint FROM refunded)
            """
    }

    // Step 9: sending → completed guarded by status AND by "no open row" in the SAME statement, so the
    // check and the move are atomic: of racing workers exactly one updates the row, and a worker whose
    // rows are still uncommitted blocks nobody (the last committer sees every row settled). An
    // `unknown` row the settle step has not looked at yet is open too: it may still go back to
    // `pending` and be sent; once settled as ambiguous (stamped), it no longer holds the campaign.
    // Every worker runs this at the end of each chunk, and the NOT EXISTS walks index entries of
    // rows that left the open statuses but are not vacuumed yet (tens of ms on a big campaign), so a
    // cheap test of the counters goes first (Postgres evaluates the cheaper qual first): the
    // counters equal the row counts (sent/delivered/undelivered, failed, skipped), so while they
    // add up to less than the audience some row is still open or canceled or settled as
    // ambiguous, and the scheduler's completeIdleQuery (no counter test) completes those.
    static func completeQuery(campaignID: UUID, orgID: UUID) -> PostgresQuery {
        """
        UPDATE campaigns c SET status = 'completed', status_reason = NULL, completed_at = now()
        WHERE c.id = \(campaignID) AND c.org_id = \(orgID) AND c.status = 'sending'
          AND c.sent_count + c.failed_count + c.skipped_count >= c.audience_count
          AND \(unescaped: nothingOpen)
        """
    }

    /// "The campaign `c` has no open row": nothing pending, in flight, deferred, held, or `unknown`
    /// and not yet looked at by the settle step (campaign_messages_open_idx).
    static let nothingOpen = """
        NOT EXISTS (SELECT 1 FROM campaign_messages m
                    WHERE m.org_id = c.org_id AND m.campaign_id = c.id
                      AND (m.status IN ('pending', 'sending', 'deferred', 'held')
                           OR (m.status = 'unknown' AND m.status_checked_at IS NULL)))
        """

    // The same completion for every sending campaign with nothing open, in one statement: a campaign
    // whose last open rows were settled by a status callback, the settle step or a sweep has no
    // worker coming back to it. The scheduler runs it with each reconciliation (campaigns_active_idx
    // finds the few sending campaigns; the open-rows index answers each NOT EXISTS).
    static let completeIdleQuery: PostgresQuery = """
        UPDATE campaigns c SET status = 'completed', status_reason = NULL, completed_at = now()
        WHERE c.status = 'sending' AND \(unescaped: nothingOpen)
        RETURNING c.org_id, c.id
        """

    // MARK: - Calls

    /// The campaign's facts, or nil when it is not in the organization.
    func campaign(campaignID: UUID, orgID: UUID) async throws -> SendCampaign? {
        guard let row = try await client.query(Self.campaignQuery(campaignID: campaignID, orgID: orgID)).first
        else { return nil }
        let (status, message, abTest, variantA, variantB, winner, media, route, normalize) = try row.decode(
            (String, String?, Bool, String?, String?, MessageVariant?, String?, String, Bool).self)
        let campaignZone = try row.decode(String?.self, named: "campaign_timezone")
        let orgZone = try row.decode(String?.self, named: "org_timezone")
        let start = try row.decode(String.self, named: "quiet_start")
        let end = try row.decode(String.self, named: "quiet_end")
        let senderID = try row.decode(UUID?.self, named: "sender_id")
        let e164 = try row.decode(String?.self, named: "sender_e164")
        let mps = try row.decode(Double?.self, named: "sender_mps")
        guard let senderID, let e164, let mps else {
            throw EngineError(
                .validationFailed,
                "campaign \(campaignID) has no sender number and its organization has no default number; "
                    + "add a number to the organization, then resume the campaign",
                field: "fromPhoneNumberId")
        }
        var policy = QuietHoursPolicy()
        if let open = LocalTime(parsing: start), let close = LocalTime(parsing: end),
            let window = try? SendWindow(start: open, end: close)
        {
            policy.organizationWindow = window
        }
        return SendCampaign(
            status: CampaignStatus(rawValue: status) ?? .failed,
            message: SendCampaign.parse(message),
            variantA: abTest ? SendCampaign.parse(variantA) : nil,
            variantB: abTest ? SendCampaign.parse(variantB) : nil,
            abWinner: winner, mediaURL: media, forceRoute: ForceRoute(rawValue: route) ?? .auto,
            normalizeText: normalize, campaignTimeZone: campaignZone, organizationTimeZone: orgZone,
            policy: policy, senderID: senderID, from: PhoneNumber(trustedE164: e164), mps: mps)
    }

    /// The campaign's status now (nil when it vanished).
    func status(campaignID: UUID, orgID: UUID) async throws -> CampaignStatus? {
        guard let row = try await client.query(Self.statusQuery(campaignID: campaignID, orgID: orgID)).first
        else { return nil }
        return CampaignStatus(rawValue: try row.decode(String.self, at: 0))
    }

    /// Claims up to `limit` pending rows of the chunk under `claimID`; returns them with the
    /// campaign's A/B winner as the same statement saw it.
    func claim(campaignID: UUID, orgID: UUID, chunk: Int, worker: String, claimID: UUID, limit: Int) async throws
        -> (rows: [ClaimedMessage], abWinner: MessageVariant?)
    {
        let result = try await client.query(
            Self.claimQuery(
                campaignID: campaignID, orgID: orgID, chunk: chunk, worker: worker, claimID: claimID, limit: limit))
        var claimed: [ClaimedMessage] = []
        claimed.reserveCapacity(result.count)
        let decoder = JSONDecoder()
        var winner: MessageVariant?
        let merge = try result.isEmpty ? 0 : ContactMergeColumns.start(in: result)
        for row in result {
            let (id, contactID, phone, variant, attempt) = try row.decode(
                (Int64, UUID, String, MessageVariant?, Int).self)
            let values = try ContactMergeColumns.decode(row, at: merge, phone: phone, decoder: decoder)
            let zone = try row.decode(String?.self, named: "contact_timezone")
            let optedOut = try row.decode(Bool.self, named: "opted_out")
            let textable = try row.decode(Bool?.self, named: "is_textable")
            let deleted = try row.decode(Bool.self, named: "deleted")
            winner = try row.decode(MessageVariant?.self, named: "ab_winner")
            claimed.append(
                ClaimedMessage(
                    id: id, contactID: contactID, phone: phone, variant: variant, attempt: attempt, values: values,
                    timeZone: zone, optedOut: optedOut, isTextable: textable, deleted: deleted))
        }
        return (claimed, winner)
    }

    /// The campaign's status now and which of `contactIDs` may no longer be texted (opted out, not
    /// textable or awaiting lookup, deleted), with the skip reason for each.
    func recheck(campaignID: UUID, orgID: UUID, contactIDs: [UUID]) async throws
        -> (status: CampaignStatus?, suppressed: [UUID: SkipReason])
    {
        let rows = try await client.query(
            Self.recheckQuery(campaignID: campaignID, orgID: orgID, contactIDs: contactIDs))
        var status: CampaignStatus?
        var suppressed: [UUID: SkipReason] = [:]
        for row in rows {
            let (current, contact, optedOut, textable, deleted) = try row.decode(
                (String?, UUID?, Bool?, Bool?, Bool?).self)
            status = current.flatMap(CampaignStatus.init(rawValue:))
            guard let contact else { continue }
            suppressed[contact] = SuppressionCheck.skipReason(
                deleted: deleted ?? false, optedOut: optedOut ?? false, isTextable: textable)
        }
        return (status, suppressed)
    }

    /// What one record statement wrote.
    struct RecordOutcome: Sendable, Equatable {
        /// Rows written (the others had left `expected` under their claim meanwhile).
        var written: Int
        /// Credits refunded by this statement.
        var refunded: Int64
    }

    /// Writes a batch's outcomes (and the refunds of the rows given back) in one statement, over the
    /// rows still in `expected` status under their claims.
    @discardableResult
    func record(campaignID: UUID, orgID: UUID, expected: MessageStatus = .sending, rows: [RecordedMessage]) async throws
        -> RecordOutcome
    {
        guard !rows.isEmpty else { return RecordOutcome(written: 0, refunded: 0) }
        let result = try await client.query(
            Self.recordQuery(campaignID: campaignID, orgID: orgID, expected: expected, rows: rows))
        let (written, _, _, refunded) = try result[0].decode((Int64, Int64, Int64, Int64).self)
        return RecordOutcome(written: Int(written), refunded: refunded)
    }

    /// Moves the campaign to completed when nothing is left open; true for the one caller that did.
    func completeIfDone(campaignID: UUID, orgID: UUID) async throws -> Bool {
        try await client.query(Self.completeQuery(campaignID: campaignID, orgID: orgID)).affectedRows == 1
    }

    /// Completes every sending campaign with nothing open; returns them (organization, campaign).
    func completeIdle() async throws -> [(orgID: UUID, campaignID: UUID)] {
        try await client.query(Self.completeIdleQuery).map { try $0.decode((UUID, UUID).self) }
    }
}
