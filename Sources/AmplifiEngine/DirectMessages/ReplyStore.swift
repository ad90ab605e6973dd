import AmplifiPostgres
import Foundation

/// The SQL of messages sent one at a time (`reply_messages`: auto-replies and test sends): claim,
/// give up unpaid, record the carrier's answer, find pending ones, expire dead claims. Every
/// statement on one row filters by org_id.
struct ReplyStore: Sendable {
    let client: PostgresClient

    // MARK: - SQL

    // The claim guard: only the process that moves the row pending → sending sends it. `attempt`
    // must still be what the caller read, so a process that read the row before someone else's
    // failed attempt put it back cannot send it under the old (refunded) charge.
    static func claimQuery(orgID: UUID, replyID: Int64, attempt: Int) -> PostgresQuery {
        """
        UPDATE reply_messages SET status = 'sending', claimed_at = now(), attempt = attempt + 1
        WHERE org_id = \(orgID) AND id = \(replyID) AND status = 'pending' AND attempt = \(attempt)
        RETURNING attempt
        """
    }

    // Unpaid (insufficient credits, billing inactive): failed before any claim, same guard as the
    // claim so a reply someone else is sending is never touched.
    static func failUnsentQuery(orgID: UUID, replyID: Int64, attempt: Int, errorCode: String) -> PostgresQuery {
        """
        UPDATE reply_messages SET status = 'failed', error_code = \(errorCode)
        WHERE org_id = \(orgID) AND id = \(replyID) AND status = 'pending' AND attempt = \(attempt)
        """
    }

    // The carrier's answer, written only over our claim ('sending'). Like SendBatchStore.recordQuery,
    // the same statement marks the contact when the carrier says the number cannot take texts or
    // opted out at the carrier (21614, 21610, ...), so the next campaign skips them. A reply the
    // carrier accepted moves the number's conversation (a test send is no conversation).
    static func recordQuery(
        orgID: UUID, replyID: Int64, status: ReplyStatus, providerMessageID: String?, errorCode: String?,
        credits: Int, contactAction: RecordedMessage.ContactAction?
    ) -> PostgresQuery {
        let action = contactAction?.rawValue
        return """
            WITH written AS (
                UPDATE reply_messages SET status = \(status.rawValue), provider_message_id = \(providerMessageID)::text,
                    error_code = \(errorCode)::text, credits = \(credits),
                    sent_at = CASE WHEN \(status.rawValue) = 'sent' THEN now() ELSE sent_at END
                WHERE org_id = \(orgID) AND id = \(replyID) AND status = 'sending'
                RETURNING contact_id, to_phone, body, kind, phone_number_id
            ), thread AS (
                UPDATE conversations t SET last_message_at = now(), last_direction = 'outbound',
                    last_preview = left(w.body, 160), message_count = t.message_count + 1,
                    phone_number_id = w.phone_number_id, last_message_body_redacted_at = NULL
                FROM written w
                WHERE t.org_id = \(orgID) AND t.contact_phone = w.to_phone AND w.kind <> 'test_send'
                  AND \(status.rawValue) = 'sent'
                RETURNING 1
            ), marked AS (
                UPDATE contacts c SET
                    is_textable = CASE WHEN \(action)::text = 'not_textable' THEN false ELSE c.is_textable END,
                    opted_out_at = CASE WHEN \(action)::text = 'opt_out' THEN coalesce(c.opted_out_at, now())
                                        ELSE c.opted_out_at END
                FROM written w
                WHERE c.org_id = \(orgID) AND c.id = w.contact_id AND \(action)::text IS NOT NULL
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM marked)
            """
    }

    // The sweep across all orgs (the org is what it finds out): reply_messages_open_idx
    // (status, updated_at) holds only unfinished rows. `updated_at` is the row's last move, so a
    // reply a live handler stored a moment ago (and is about to send) is left to it.
    static func pendingQuery(olderThanSeconds: Double, limit: Int) -> PostgresQuery {
        """
        SELECT r.id, r.org_id, r.kind, r.inbound_message_id, r.campaign_id, p.e164 AS from_phone, r.to_phone,
               r.body, r.media_url, r.credits, r.attempt, p.id AS sender_id, p.mps::float8 AS sender_mps, r.segments
        FROM reply_messages r
        JOIN phone_numbers p ON p.org_id = r.org_id AND p.id = r.phone_number_id
        WHERE r.status = 'pending' AND r.updated_at < now() - make_interval(secs => \(olderThanSeconds))
        ORDER BY r.updated_at, r.id
        LIMIT \(limit)
        """
    }

    // A claim older than the lease belongs to a process that died at the carrier: 'unknown', never
    // 'pending', because the carrier may have sent it (like StaleClaimSweeper for campaign rows).
    static func expireQuery(olderThanSeconds: Double) -> PostgresQuery {
        """
        UPDATE reply_messages SET status = 'unknown'
        WHERE status = 'sending' AND updated_at < now() - make_interval(secs => \(olderThanSeconds))
        """
    }

    // MARK: - Calls

    /// True when this caller now owns the reply.
    func claim(_ reply: PendingReply) async throws -> Bool {
        !(try await client.query(Self.claimQuery(orgID: reply.orgID, replyID: reply.id, attempt: reply.attempt)))
            .isEmpty
    }

    /// Marks an unpaid reply failed (when still pending at the same attempt).
    func failUnsent(_ reply: PendingReply, errorCode: String) async throws {
        try await client.query(
            Self.failUnsentQuery(orgID: reply.orgID, replyID: reply.id, attempt: reply.attempt, errorCode: errorCode))
    }

    /// Records the carrier's answer over our claim; false when the claim was lost.
    func record(
        _ reply: PendingReply, status: ReplyStatus, providerMessageID: String?, errorCode: String?, credits: Int,
        contactAction: RecordedMessage.ContactAction?
    ) async throws -> Bool {
        let rows = try await client.query(
            Self.recordQuery(
                orgID: reply.orgID, replyID: reply.id, status: status, providerMessageID: providerMessageID,
                errorCode: errorCode, credits: credits, contactAction: contactAction))
        return try rows[0].decode(Int64.self, at: 0) == 1
    }

    /// Up to `limit` replies left pending for longer than `olderThan`, oldest first.
    func pending(olderThan: Duration, limit: Int) async throws -> [PendingReply] {
        let rows = try await client.query(Self.pendingQuery(olderThanSeconds: olderThan.asSeconds, limit: limit))
        return try rows.map { row in
            PendingReply(
                id: try row.decode(named: "id"), orgID: try row.decode(named: "org_id"),
                kind: try row.decode(named: "kind"),
                inboundMessageID: try row.decode(named: "inbound_message_id"),
                campaignID: try row.decode(named: "campaign_id"), senderID: try row.decode(named: "sender_id"),
                from: try row.decode(named: "from_phone"), senderMPS: try row.decode(named: "sender_mps"),
                to: try row.decode(named: "to_phone"), body: try row.decode(named: "body"),
                mediaURL: try row.decode(named: "media_url"),
                segments: try row.decode(named: "segments"), credits: try row.decode(named: "credits"),
                attempt: try row.decode(named: "attempt"))
        }
    }

    /// Moves claims older than `olderThan` to unknown; returns how many.
    func expireClaims(olderThan: Duration) async throws -> Int {
        try await client.query(Self.expireQuery(olderThanSeconds: olderThan.asSeconds)).affectedRows
    }
}
