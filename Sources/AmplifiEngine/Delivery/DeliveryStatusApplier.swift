import AmplifiCarriers
public import AmplifiPostgres
import Foundation
public import Logging

/// Applies carrier status reports (callbacks and backfill polls) to `campaign_messages` in
/// batches: one statement per batch moves the rows forward, logs every matched report in
/// `delivery_events`, stages the rest in `pending_delivery_events`, marks contacts from late
/// errors and moves the campaigns' counters once per campaign.
///
/// Guarantees (each has a test in `DeliveryStatusApplierTests`):
/// - Matching: by the callback URL's (org, message id), the primary key; a callback on the pre-011
///   URL carries no org and is matched by id among the rows still waiting for a status (`sent`/
///   `unknown`), any other row by its sid. Without a row by id: by the carrier's sid (within the
///   org when known). A row whose recorded sid differs from the report's is not touched (the event
///   is staged and counted as `mismatched`). No match: staged with the URL's org (NULL when the
///   URL had none), never dropped.
/// - A row not recorded yet (`pending`/`deferred`/`held`/`sending`: callbacks routinely beat the
///   worker's record statement, which is guarded by `status = 'sending'`) is never changed by a
///   report: the report is staged and `applyStaged` applies it once the row is `sent`/`unknown`.
/// - Status only moves forward (`MessageDeliveryState` ranks); finals never change; of two
///   reports for one row in one batch the highest rank wins. Duplicates and out-of-order reports
///   are harmless: counters move only for rows that really moved.
/// - `unknown` rows (worker died before recording) are settled by any matched report: sid
///   filled, `sent_at = coalesce(sent_at, now())`.
/// - Counters stay equal to row counts: `sent_count` = rows in sent/delivered/undelivered,
///   `delivered_count`, `undelivered_count`, `failed_count` = rows in that status.
/// - Credits do NOT move on status reports: credits are consumed on send (docs/product-rules.md#credits), and a
///   message the carrier accepted is billed whatever its final status.
/// - Late errors mark the contact like the send path does (`CarrierErrorTable`'s contact
///   actions: 21614/30006 not textable, 21610 opted out).
/// - Concurrent appliers converge: campaigns, then rows, are locked in id order (the worker's
///   record statement takes the same campaign → rows → contacts order), and every decision is
///   taken on the locked, current row.
public struct DeliveryStatusApplier: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// An applier writing through `client`, logging counts and ids only.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    // MARK: - SQL

    /// The `e` CTE of a batch: the events as parallel arrays, numbered by position (`ord`).
    static func batchInput(_ events: [DeliveryEvent], raws: [PostgresJSON]) -> PostgresQuery {
        let orgs = events.map(\.orgID)
        let ids = events.map(\.messageID)
        let sids: [String?] = events.map { $0.report.providerMessageID.isEmpty ? nil : $0.report.providerMessageID }
        let statuses = events.map(\.report.status.rawValue)
        let errors = events.map { $0.report.error?.code }
        let sources = events.map(\.source.rawValue)
        return """
            WITH e AS (
                SELECT u.url_org_id, u.message_id, u.sid, u.carrier_status, u.error_code, u.raw, u.source,
                       u.ord, now() AS received_at
                FROM unnest(\(orgs)::uuid[], \(ids)::bigint[], \(sids)::text[], \(statuses)::text[],
                            \(errors)::text[], \(raws)::jsonb[], \(sources)::text[])
                     WITH ORDINALITY AS u(url_org_id, message_id, sid, carrier_status, error_code, raw, source, ord)
            ),
            """
    }

    // The `e` CTE of a retry: staged reports, least recently tried first (so reports that never
    // match cannot starve newer ones), SKIP LOCKED so two appliers never move the same report.
    // `ord` is the staged row's id, which is how the tail finds it again. The table is small by
    // nature (only what is waiting for its row), so the sort needs no index. A staged report's org
    // (the URL's, or its row's once found) narrows the lookup like a callback URL's.
    static func stagedInput(limit: Int) -> PostgresQuery {
        """
        WITH e AS (
            SELECT p.org_id AS url_org_id, p.message_id, p.provider_message_id AS sid, p.status AS carrier_status,
                   p.error_code, p.raw, p.source, p.id AS ord, p.received_at
            FROM pending_delivery_events p
            -- After three tries, back off linearly to one minute: a report that keeps not matching
            -- (its row may never be recorded) costs little, and the usual race resolves at once.
            WHERE p.last_attempt_at IS NULL
               OR p.last_attempt_at < now() - least(greatest(p.attempts - 3, 0), 60) * interval '1 second'
            ORDER BY p.last_attempt_at NULLS FIRST, p.id
            LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
        ),
        """
    }

    // The shared body, after `e`. Why it is shaped this way:
    // - `map`/`states` carry the status mapping and ranks from Swift (`MessageDeliveryState`), so
    //   the rules live in one place and are unit-tested without a database.
    // - `found` is a snapshot read that only picks candidates: `by_id` when the URL carried an id
    //   and the row exists — by the primary key (org_id, id) when the URL named the org; a pre-011
    //   URL names none, so then only among the rows still waiting for a status, through
    //   campaign_messages_backfill_idx (id WHERE status IN ('sent', 'unknown')), since the primary
    //   key cannot serve an id alone (a final row is found by its sid instead; an unrecorded one
    //   is staged and found once recorded). Else `by_sid` (campaign_messages_provider_message_id_key,
    //   sid first, so it serves a sid without org too; within the URL's org when known; sids are
    //   carrier-issued and globally unique, LIMIT 1 only keeps the join one-to-one). The org of an
    //   unmatched report is the URL's, so it is staged with it.
    // - `campaign_locks` then `locked`: the campaigns, then the rows a report may move (`unknown`/
    //   `sent` in the snapshot), each locked in id order. The worker's record statement locks
    //   campaign → rows → contacts too, so the orders agree and nobody deadlocks. The one-time
    //   filter `(SELECT count(*) FROM campaign_locks) >= 0` makes the row locks wait for the
    //   campaign locks. FOR UPDATE hands back the CURRENT row (READ COMMITTED re-reads a row a
    //   concurrent applier changed), so every decision below sees what the other applier wrote,
    //   and two appliers with overlapping batches converge. Rows not recorded yet are not locked:
    //   their reports are staged, and locking them could deadlock with the recording worker.
    // - `judged` gives each report a verdict: `log` (matched: goes to delivery_events),
    //   `unmatched`, `early` (row not recorded yet), `mismatch` (the row's recorded sid differs, or
    //   the row has no sid and another row holds this one: writing it would break the unique key).
    // - `winners`: per row, the highest-ranked report that moves it forward (deterministic
    //   tie-break), so `moved` updates each row once; `moved` re-checks the status it decided on.
    // - `marked` and `counted` are fed by what `moved` really wrote (RETURNING), so a duplicate
    //   or a lost race counts nothing; counters move once per campaign per batch.
    static func bodyQuery() -> PostgresQuery {
        let carrierStatuses = DeliveryStatus.allCases.map(\.rawValue)
        let targets = DeliveryStatus.allCases.map { MessageDeliveryState(carrierStatus: $0)?.rawValue }
        let states = MessageDeliveryState.allCases.map(\.rawValue)
        let ranks = MessageDeliveryState.allCases.map(\.rank)
        let movable = MessageDeliveryState.allCases.map { !$0.isFinal }
        let countsAsSent = MessageDeliveryState.allCases.filter(\.countsAsSent).map(\.rawValue)
        let notTextable = ContactMarks.notTextableCodes
        let optOut = ContactMarks.optOutCodes
        return """
            map AS (
                SELECT * FROM unnest(\(carrierStatuses)::text[], \(targets)::text[]) AS map(carrier_status, target)
            ), states AS (
                SELECT * FROM unnest(\(states)::text[], \(ranks)::int[], \(movable)::bool[])
                AS states(state, rank, movable)
            ), found AS (
                SELECT e.ord, coalesce(by_id.id, by_sid.id) AS row_id,
                       coalesce(by_id.org_id, by_sid.org_id, e.url_org_id) AS org_id,
                       coalesce(by_id.campaign_id, by_sid.campaign_id) AS campaign_id,
                       coalesce(by_id.contact_id, by_sid.contact_id) AS contact_id,
                       coalesce(by_id.status, by_sid.status) AS seen_status,
                       coalesce(by_id.provider_message_id, by_sid.provider_message_id) AS seen_sid
                FROM e
                LEFT JOIN LATERAL (
                    SELECT m.id, m.org_id, m.campaign_id, m.contact_id, m.status, m.provider_message_id
                    FROM campaign_messages m WHERE m.org_id = e.url_org_id AND m.id = e.message_id
                    UNION ALL
                    SELECT m.id, m.org_id, m.campaign_id, m.contact_id, m.status, m.provider_message_id
                    FROM campaign_messages m
                    WHERE e.url_org_id IS NULL AND m.id = e.message_id AND m.status IN ('sent', 'unknown')
                ) by_id ON true
                LEFT JOIN LATERAL (
                    SELECT m.id, m.org_id, m.campaign_id, m.contact_id, m.status, m.provider_message_id
                    FROM campaign_messages m
                    WHERE by_id.id IS NULL AND e.sid IS NOT NULL AND m.provider_message_id = e.sid
                      AND (e.url_org_id IS NULL OR m.org_id = e.url_org_id)
                      -- a pre-011 URL's id still decides: its sid may only find that same row
                      AND (e.url_org_id IS NOT NULL OR e.message_id IS NULL OR m.id = e.message_id)
                    LIMIT 1
                ) by_sid ON true
            ), movable_rows AS (
                SELECT f.org_id, f.campaign_id, f.row_id FROM found f
                JOIN states s ON s.state = f.seen_status AND s.movable
            ), campaign_locks AS (
                SELECT c.id FROM campaigns c
                WHERE (c.org_id, c.id) IN (SELECT org_id, campaign_id FROM movable_rows)
                ORDER BY c.id
                FOR NO KEY UPDATE
            ), locked AS (
                SELECT m.id, m.status, m.provider_message_id
                FROM campaign_messages m
                WHERE (m.org_id, m.id) IN (SELECT org_id, row_id FROM movable_rows)
                  AND (SELECT count(*) FROM campaign_locks) >= 0
                ORDER BY m.id
                FOR UPDATE
            ), fresh AS (
                SELECT e.*, f.row_id, f.org_id, f.campaign_id, f.contact_id, l.id IS NOT NULL AS is_locked,
                       CASE WHEN l.id IS NOT NULL THEN l.status ELSE f.seen_status END AS row_status,
                       CASE WHEN l.id IS NOT NULL THEN l.provider_message_id ELSE f.seen_sid END AS row_sid,
                       map.target
                FROM e
                JOIN found f ON f.ord = e.ord
                LEFT JOIN locked l ON l.id = f.row_id
                LEFT JOIN map ON map.carrier_status = e.carrier_status
            ), judged AS (
                SELECT c.*,
                       CASE
                           WHEN c.row_id IS NULL THEN 'unmatched'
                           WHEN c.row_status IN ('pending', 'deferred', 'held', 'sending') THEN 'early'
                           WHEN c.sid IS NOT NULL AND c.row_sid IS NOT NULL AND c.row_sid <> c.sid THEN 'mismatch'
                           WHEN c.sid IS NOT NULL AND c.row_sid IS NULL AND EXISTS (
                               SELECT 1 FROM campaign_messages o
                               WHERE o.provider_message_id = c.sid AND o.id <> c.row_id) THEN 'mismatch'
                           ELSE 'log'
                       END AS verdict
                FROM fresh c
            ), winners AS (
                SELECT DISTINCT ON (j.row_id) j.row_id, j.org_id, j.campaign_id, j.contact_id, j.row_status,
                       j.target, j.sid, j.error_code
                FROM judged j
                JOIN states cur ON cur.state = j.row_status AND cur.movable
                JOIN states tgt ON tgt.state = j.target AND tgt.rank > cur.rank
                WHERE j.verdict = 'log' AND j.is_locked
                ORDER BY j.row_id, tgt.rank DESC, j.error_code NULLS LAST, j.ord
            ), moved AS (
                UPDATE campaign_messages m SET
                    status = w.target,
                    provider_message_id = coalesce(m.provider_message_id, w.sid),
                    error_code = CASE WHEN w.target IN ('failed', 'undelivered')
                                      THEN coalesce(w.error_code, m.error_code) ELSE m.error_code END,
                    sent_at = coalesce(m.sent_at, now()),
                    status_updated_at = now()
                FROM winners w
                WHERE m.org_id = w.org_id AND m.id = w.row_id AND m.status = w.row_status
                RETURNING m.org_id, m.campaign_id, m.contact_id, w.row_status AS old_status,
                          w.target AS new_status, w.error_code
            ), marks AS (
                SELECT org_id, contact_id,
                       bool_or(error_code = ANY(\(notTextable)::text[])) AS not_textable,
                       bool_or(error_code = ANY(\(optOut)::text[])) AS opt_out
                FROM moved
                WHERE new_status IN ('failed', 'undelivered')
                GROUP BY org_id, contact_id
            ), marked AS (
                UPDATE contacts c SET
                    is_textable = CASE WHEN k.not_textable THEN false ELSE c.is_textable END,
                    opted_out_at = CASE WHEN k.opt_out THEN coalesce(c.opted_out_at, now()) ELSE c.opted_out_at END
                FROM marks k
                WHERE c.org_id = k.org_id AND c.id = k.contact_id AND (k.not_textable OR k.opt_out)
                RETURNING 1
            ), counted AS (
                UPDATE campaigns c SET
                    sent_count = c.sent_count + d.sent,
                    delivered_count = c.delivered_count + d.delivered,
                    undelivered_count = c.undelivered_count + d.undelivered,
                    failed_count = c.failed_count + d.failed
                FROM (
                    SELECT org_id, campaign_id,
                           count(*) FILTER (WHERE new_status = ANY(\(countsAsSent)::text[]))
                             - count(*) FILTER (WHERE old_status = ANY(\(countsAsSent)::text[])) AS sent,
                           count(*) FILTER (WHERE new_status = 'delivered')
                             - count(*) FILTER (WHERE old_status = 'delivered') AS delivered,
                           count(*) FILTER (WHERE new_status = 'undelivered')
                             - count(*) FILTER (WHERE old_status = 'undelivered') AS undelivered,
                           count(*) FILTER (WHERE new_status = 'failed')
                             - count(*) FILTER (WHERE old_status = 'failed') AS failed
                    FROM moved GROUP BY org_id, campaign_id
                ) d
                WHERE c.org_id = d.org_id AND c.id = d.campaign_id
                RETURNING 1
            ), logged AS (
                INSERT INTO delivery_events (org_id, message_id, provider_message_id, status, error_code, raw,
                                             source, received_at)
                SELECT org_id, row_id, sid, carrier_status, error_code, raw, source, received_at
                FROM judged WHERE verdict = 'log' ORDER BY ord
                RETURNING 1
            ),
            """
    }

    // Tail of a batch: everything not logged is staged, with its org when the row is known, in the
    // batch's order (ids follow arrival, which is also the retry order).
    static let batchTail: PostgresQuery = """
        staged AS (
            INSERT INTO pending_delivery_events (org_id, message_id, provider_message_id, status, error_code,
                                                 raw, source, received_at)
            SELECT org_id, message_id, sid, carrier_status, error_code, raw, source, received_at
            FROM judged WHERE verdict <> 'log' ORDER BY ord
            RETURNING 1
        )
        """

    // Tail of a retry: logged reports leave the staging table (they are in delivery_events now),
    // the others record the attempt (and learn their org once the row is known).
    static let stagedTail: PostgresQuery = """
        cleared AS (
            DELETE FROM pending_delivery_events p USING judged j
            WHERE p.id = j.ord AND j.verdict = 'log'
            RETURNING 1
        ), staged AS (
            UPDATE pending_delivery_events p
            SET attempts = p.attempts + 1, last_attempt_at = now(), org_id = coalesce(p.org_id, j.org_id)
            FROM judged j
            WHERE p.id = j.ord AND j.verdict <> 'log'
            RETURNING 1
        )
        """

    // The one result row: counts for the summary. Reading every data-modifying CTE's count also
    // documents that each of them runs.
    static let resultSelect: PostgresQuery = """

        SELECT (SELECT count(*) FROM judged WHERE verdict = 'log'),
               (SELECT count(*) FROM staged),
               (SELECT count(*) FROM judged WHERE verdict = 'mismatch'),
               (SELECT count(*) FROM moved WHERE new_status = 'sent'),
               (SELECT count(*) FROM moved WHERE new_status = 'delivered'),
               (SELECT count(*) FROM moved WHERE new_status = 'undelivered'),
               (SELECT count(*) FROM moved WHERE new_status = 'failed'),
               (SELECT count(*) FROM marked), (SELECT count(*) FROM counted), (SELECT count(*) FROM logged)
        """

    /// The whole statement for a batch of events (`raws` parallel to `events`).
    static func applyQuery(_ events: [DeliveryEvent], raws: [PostgresJSON]) -> PostgresQuery {
        var query = batchInput(events, raws: raws)
        query.append(bodyQuery())
        query.append(batchTail)
        query.append(resultSelect)
        return query
    }

    /// The whole statement for a retry of up to `limit` staged reports.
    static func applyStagedQuery(limit: Int) -> PostgresQuery {
        var query = stagedInput(limit: limit)
        query.append(bodyQuery())
        query.append(stagedTail)
        query.append(resultSelect)
        return query
    }

    // MARK: - Calls

    /// Applies a batch in one statement (one round trip): moves rows forward, logs matched reports,
    /// stages the rest. Events with neither a message id nor a sid are counted as `rejected`.
    public func apply(_ events: [DeliveryEvent]) async throws -> DeliveryApplySummary {
        let usable = events.filter { $0.messageID != nil || !$0.report.providerMessageID.isEmpty }
        let rejected = events.count - usable.count
        if rejected > 0 {
            logger.warning(
                "status reports without message id or sid ignored (nothing to match on)",
                metadata: ["events": "\(rejected)"])
        }
        guard !usable.isEmpty else { return DeliveryApplySummary(rejected: rejected) }
        let raws = try usable.map { try Self.rawJSON($0.raw) }
        var summary = try await run(Self.applyQuery(usable, raws: raws))
        summary.rejected = rejected
        if summary.mismatched > 0 {
            logger.warning(
                "status reports whose sid contradicts the message's recorded sid were staged, not applied",
                metadata: ["events": "\(summary.mismatched)"])
        }
        logger.debug(
            "status reports applied",
            metadata: [
                "events": "\(usable.count)", "applied": "\(summary.applied)", "unchanged": "\(summary.unchanged)",
                "kept": "\(summary.kept)",
            ])
        return summary
    }

    /// Re-applies up to `limit` staged reports whose message is now recorded (one statement per
    /// call); the moved ones leave `pending_delivery_events`, the others count an attempt.
    /// Returns what moved (`kept` = still staged).
    public func applyStaged(limit: Int) async throws -> DeliveryApplySummary {
        guard limit > 0 else { return DeliveryApplySummary() }
        let summary = try await run(Self.applyStagedQuery(limit: limit))
        if summary.applied + summary.unchanged > 0 {
            logger.info(
                "staged status reports applied",
                metadata: [
                    "applied": "\(summary.applied)", "unchanged": "\(summary.unchanged)", "kept": "\(summary.kept)",
                ])
        }
        return summary
    }

    /// Runs one apply statement, retrying it (it is atomic) when Postgres picked it as a deadlock
    /// victim: contacts shared by two campaigns are the one lock not taken in a global order.
    private func run(_ query: PostgresQuery) async throws -> DeliveryApplySummary {
        var attempt = 1
        while true {
            do {
                let row = try await client.query(query)[0]
                let (logged, staged, mismatched) = try row.decode((Int64, Int64, Int64).self)
                var byStatus: [String: Int] = [:]
                for (offset, state) in [MessageDeliveryState.sent, .delivered, .undelivered, .failed].enumerated() {
                    let count = Int(try row.decode(Int64.self, at: 3 + offset))
                    if count > 0 { byStatus[state.rawValue] = count }
                }
                let applied = byStatus.values.reduce(0, +)
                return DeliveryApplySummary(
                    applied: applied, unchanged: Int(logged) - applied, kept: Int(staged),
                    mismatched: Int(mismatched), appliedByStatus: byStatus)
            } catch let error as PostgresError
                where attempt < 3
                && (error.hasSQLState(.deadlockDetected) || error.hasSQLState(.serializationFailure))
            {
                logger.info("status apply retried after a lock conflict", metadata: ["attempt": "\(attempt)"])
                attempt += 1
            }
        }
    }

    /// The raw fields as one JSON object (a repeated key keeps its last value), without the NULs
    /// `jsonb` refuses: evidence must never cost the report it documents.
    static func rawJSON(_ fields: [(key: String, value: String)]) throws -> PostgresJSON {
        var object: [String: String] = [:]
        for field in PostgresText.sanitized(fields) { object[field.key] = field.value }
        return try PostgresJSON(encoding: object)
    }
}
