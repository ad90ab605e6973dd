public import AmplifiPostgres
import CoreMetrics
import Foundation
public import Logging

/// Settles claims whose lease expired: rows left in `sending` by a worker that died between
/// claiming them and recording the carrier's answer become `unknown`, never `pending` again.
///
/// Such a message may already have reached the carrier, so resending it could text the contact
/// twice. `unknown` rows are settled later by the status callback (its URL carries our message
/// id) or by the settle step (``UnknownSettlerService``, `backfill-status`), which lists the
/// carrier's messages: found → `sent`; not created, once the grace has passed → `pending` again,
/// refunded. The completion rule (`SendBatchStore.completeQuery`) waits for unsettled `unknown`
/// rows; each sweep completes the sending campaigns left with nothing open. Claims are short (a claim
/// horizon plus one carrier request), so a sweep means a dead or hung worker, never a slow number. Safe with several schedulers: the move is one guarded UPDATE, so a row is swept once,
/// and completion is the same guarded UPDATE the workers use.
public struct StaleClaimSweeper: Sendable {
    /// The default claim lease: far longer than any claim is held (a claim horizon plus one carrier
    /// request; `amplifi worker` refuses settings that could reach a quarter of it).
    public static let defaultLease: Duration = .seconds(300)

    let client: PostgresClient
    let logger: Logger

    /// A sweeper over `client` that logs what it settles (campaign ids and counts only).
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        Counter(label: "amplifi_claims_swept_unknown_total").increment(by: 0)
    }

    // Why one statement: the UPDATE moves every expired claim at once through
    // campaign_messages_claimed_idx (claimed_at WHERE status IN ('sending', 'unknown')) and hands
    // back only a per-campaign tally, so the round trip and the result stay small however many
    // rows a dead worker left behind. claimed_by/claimed_at stay as they are: they say which worker
    // died and when, which the carrier lookup and ops need. The `status = 'sending'` guard (re-read
    // under the row lock) means a row recorded by its worker in the meantime is left alone, and a
    // worker that records after the sweep finds its row no longer 'sending' under its claim and
    // writes nothing. Counters are not touched: nothing was sent, failed or skipped as far as we
    // know. Deliberately across all organizations — a scheduler duty, like promotion; org_id is
    // returned so every campaign is reported with its organization.
    // The row's price comes from its claim's debit (credit_ledger.priced_message_ids /
    // priced_credits, found through credit_ledger_batch_once): the worker would have written it
    // with the result, and whoever settles the row refunds exactly that. A claim that died before
    // its debit has no price: nothing to refund.
    static func sweepQuery(leaseSeconds: Double) -> PostgresQuery {
        """
        WITH swept AS (
            UPDATE campaign_messages m SET status = 'unknown', status_checked_at = NULL, status_updated_at = now(),
                credits = coalesce(m.credits, (
                    SELECT p.credits
                    FROM credit_ledger d
                    CROSS JOIN LATERAL unnest(d.priced_message_ids, d.priced_credits) AS p(id, credits)
                    WHERE d.org_id = m.org_id AND d.batch_id = m.claim_id::text AND d.kind = 'debit' AND p.id = m.id))
            WHERE m.status = 'sending' AND m.claimed_at < now() - make_interval(secs => \(leaseSeconds)::float8)
            RETURNING m.org_id, m.campaign_id
        )
        SELECT org_id, campaign_id, count(*)::bigint FROM swept GROUP BY org_id, campaign_id ORDER BY org_id, campaign_id
        """
    }

    /// Moves every `sending` row claimed longer than `lease` ago to `unknown`, then completes every
    /// sending campaign left with nothing open (its last rows settled by a callback, the settle step
    /// or this sweep: no worker comes back to it); returns how many rows moved.
    @discardableResult
    public func sweep(olderThan lease: Duration) async throws -> Int {
        let rows = try await client.query(Self.sweepQuery(leaseSeconds: max(0, lease.asSeconds)))
        var total = 0
        for row in rows {
            let (orgID, campaignID, count) = try row.decode((UUID, UUID, Int64).self)
            total += Int(count)
            logger.warning(
                "expired claims marked unknown (worker died before recording; settled, never resent blindly)",
                metadata: ["org_id": .id(orgID), "campaign_id": .id(campaignID), "rows": "\(count)"])
        }
        if total > 0 { Counter(label: "amplifi_claims_swept_unknown_total").increment(by: total) }
        for (orgID, campaignID) in try await SendBatchStore(client: client).completeIdle() {
            logger.info(
                "campaign completed (its last rows settled)",
                metadata: ["org_id": .id(orgID), "campaign_id": .id(campaignID)])
        }
        return total
    }
}
