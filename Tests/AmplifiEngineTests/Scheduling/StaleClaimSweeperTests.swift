import AmplifiCarriers
import AmplifiEngine
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Logging
import Testing

@Suite("Expired claims become unknown, never pending")
struct StaleClaimSweeperTests {
    /// An org, `count` contacts and a `sending` campaign with one planned row per contact.
    static func seed(_ client: PostgresClient, count: Int) async throws -> (org: UUID, campaign: UUID) {
        let org = try await client.query("INSERT INTO organizations (name) VALUES ('sweep') RETURNING id")[0]
            .decode(UUID.self, at: 0)
        try await client.query(
            """
            INSERT INTO contacts (org_id, phone, is_textable)
            SELECT \(org), '+1404' || lpad(g::text, 7, '0'), true FROM generate_series(1, \(count)) g
            """)
        let campaign = try await client.query(
            """
            INSERT INTO campaigns (org_id, name, message, contact_filter, status, started_at)
            VALUES (\(org), 'sweep', 'Hi', '{}'::jsonb, 'sending', now() - interval '1 hour') RETURNING id
            """)[0].decode(UUID.self, at: 0)
        try await client.query(
            """
            INSERT INTO campaign_messages (org_id, campaign_id, contact_id, phone)
            SELECT \(org), \(campaign), id, phone FROM contacts WHERE org_id = \(org) ORDER BY phone
            """)
        return (org, campaign)
    }

    @Test func expiredSendingRowsBecomeUnknownOnce() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign) = try await Self.seed(client, count: 10)
            // Rows 1–4: claimed 10 minutes ago by a dead worker; 5–7: claimed just now; 8–10: pending.
            try await client.query(
                """
                UPDATE campaign_messages m SET status = 'sending', claimed_by = 'dead-worker',
                    claimed_at = now() - interval '10 minutes', attempt = 1,
                    status_updated_at = now() - interval '10 minutes'
                FROM (SELECT id, row_number() OVER (ORDER BY phone) AS n FROM campaign_messages
                      WHERE campaign_id = \(campaign)) r
                WHERE m.id = r.id AND r.n <= 4
                """)
            try await client.query(
                """
                UPDATE campaign_messages m SET status = 'sending', claimed_by = 'live-worker', claimed_at = now(), attempt = 1
                FROM (SELECT id, row_number() OVER (ORDER BY phone) AS n FROM campaign_messages
                      WHERE campaign_id = \(campaign)) r
                WHERE m.id = r.id AND r.n BETWEEN 5 AND 7
                """)
            let before = try await client.query(
                "SELECT sent_count, failed_count FROM campaigns WHERE id = \(campaign)")[0]
                .decode((Int, Int).self)

            let sweeper = StaleClaimSweeper(client: client, logger: Logger(label: "test"))
            #expect(try await sweeper.sweep(olderThan: .seconds(300)) == 4)

            let rows = try await client.query(
                """
                SELECT status, claimed_by, count(*)::int, bool_and(claimed_at IS NOT NULL),
                       bool_and(status_updated_at > now() - interval '1 minute'), max(attempt)
                FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign)
                GROUP BY status, claimed_by
                """)
            var byStatus: [String: (String?, Int, Bool, Bool, Int)] = [:]
            for row in rows {
                let (status, claimedBy, count, claimed, fresh, attempt) = try row.decode(
                    (String, String?, Int, Bool, Bool, Int).self)
                byStatus[status] = (claimedBy, count, claimed, fresh, attempt)
            }
            // The dead worker's rows: unknown, claim kept, status time bumped, attempt untouched.
            #expect(byStatus["unknown"]?.0 == "dead-worker")
            #expect(byStatus["unknown"]?.1 == 4)
            #expect(byStatus["unknown"]?.2 == true)
            #expect(byStatus["unknown"]?.3 == true)
            #expect(byStatus["unknown"]?.4 == 1)
            // Fresh claims and pending rows are untouched.
            #expect(byStatus["sending"]?.0 == "live-worker")
            #expect(byStatus["sending"]?.1 == 3)
            #expect(byStatus["pending"]?.1 == 3)
            let after = try await client.query("SELECT sent_count, failed_count FROM campaigns WHERE id = \(campaign)")[
                0
            ]
            .decode((Int, Int).self)
            #expect(after == before)
            // Pending and fresh sending rows remain: the campaign is not complete.
            let status = try await client.query("SELECT status FROM campaigns WHERE id = \(campaign)")[0]
                .decode(String.self, at: 0)
            #expect(status == "sending")

            // Already unknown rows are not swept again; the fresh claims are still within their lease.
            #expect(try await sweeper.sweep(olderThan: .seconds(300)) == 0)
            let unknown = try await client.query(
                "SELECT count(*)::int FROM campaign_messages WHERE campaign_id = \(campaign) AND status = 'unknown'")[0]
                .decode(Int.self, at: 0)
            #expect(unknown == 4)
        }
    }

    @Test func aCampaignLeftWithOnlyUnknownRowsCompletesOnceTheyAreSettled() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign) = try await Self.seed(client, count: 3)
            // One row delivered, two claimed long ago by a worker that died with the campaign's last batch.
            try await client.query(
                """
                UPDATE campaign_messages SET status = 'sending', claimed_by = 'dead-worker',
                    claimed_at = now() - interval '1 hour' WHERE campaign_id = \(campaign)
                """)
            try await client.query(
                """
                UPDATE campaign_messages SET status = 'delivered', sent_at = now()
                WHERE id = (SELECT min(id) FROM campaign_messages WHERE campaign_id = \(campaign))
                """)
            let sweeper = StaleClaimSweeper(client: client, logger: Logger(label: "test"))
            #expect(try await sweeper.sweep(olderThan: .seconds(60)) == 2)
            // Unsettled unknown rows may still go back to pending: the campaign waits for the settle step.
            let waiting = try await client.query(
                "SELECT status FROM campaigns WHERE id = \(campaign) AND org_id = \(org)")[0].decode(String.self, at: 0)
            #expect(waiting == "sending")
            // The settle step asks the carrier (which never saw them; rows from before claims had ids
            // are only stamped, never resent) and completes the campaign.
            let settle = StatusBackfill(
                client: client, carrier: SimulatedCarrier(logger: Logger(label: "test")),
                configuration: StatusBackfillConfiguration(olderThan: .zero, rate: 1_000, onlyUnknown: true),
                logger: Logger(label: "test"))
            #expect(try await settle.run().notFound == 2)
            let (status, completed) = try await client.query(
                "SELECT status, completed_at IS NOT NULL FROM campaigns WHERE id = \(campaign) AND org_id = \(org)")[0]
                .decode((String, Bool).self)
            #expect(status == "completed")
            #expect(completed)
        }
    }

    @Test func aWorkerRecordingAfterTheSweepWritesNothing() async throws {
        try await withTestDatabase { client, _ in
            let (_, campaign) = try await Self.seed(client, count: 1)
            try await client.query(
                """
                UPDATE campaign_messages SET status = 'sending', claimed_by = 'slow-worker',
                    claimed_at = now() - interval '1 hour' WHERE campaign_id = \(campaign)
                """)
            let sweeper = StaleClaimSweeper(client: client, logger: Logger(label: "test"))
            #expect(try await sweeper.sweep(olderThan: .milliseconds(1_500)) == 1)
            // The record step's guard (status = 'sending' AND claimed_by = worker) no longer matches.
            let written = try await client.query(
                """
                UPDATE campaign_messages SET status = 'pending'
                WHERE campaign_id = \(campaign) AND status = 'sending' AND claimed_by = 'slow-worker'
                """)
            #expect(written.affectedRows == 0)
        }
    }
    @Test func aDeadWorkersChargedRowsTakeTheirPriceFromTheDebitAndAreRefundedWhenPutBack() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign) = try await Self.seed(client, count: 3)
            try await client.query(
                "INSERT INTO credit_ledger (org_id, kind, amount, reason) VALUES (\(org), 'topup', 100, 'test')")
            // A worker claimed all three rows, charged two of them (2 and 3 credits; the third was
            // suppressed at send time and not charged) and died before recording anything.
            let claim = UUID()
            try await client.query(
                """
                UPDATE campaign_messages SET status = 'sending', claimed_by = 'dead-worker', claim_id = \(claim),
                    claimed_at = now() - interval '1 hour', attempt = 1 WHERE campaign_id = \(campaign)
                """)
            let ids = try await client.query(
                "SELECT id FROM campaign_messages WHERE campaign_id = \(campaign) ORDER BY id"
            ).map { try $0.decode(Int64.self, at: 0) }
            _ = try await CreditMeter(client: client).reserve(
                orgID: org, campaignID: campaign, batchID: claim.uuidString.lowercased(), credits: 5,
                pricing: [(messageID: ids[0], credits: 2), (messageID: ids[1], credits: 3)])
            // The debit carries the prices; the rows were not written again.
            let unpriced = try await client.query(
                "SELECT count(*)::int FROM campaign_messages WHERE campaign_id = \(campaign) AND credits IS NULL")[0]
                .decode(Int.self, at: 0)
            #expect(unpriced == 3)

            let sweeper = StaleClaimSweeper(client: client, logger: Logger(label: "test"))
            #expect(try await sweeper.sweep(olderThan: .seconds(60)) == 3)
            let prices = try await client.query(
                "SELECT credits FROM campaign_messages WHERE campaign_id = \(campaign) ORDER BY id"
            ).map { try $0.decode(Int?.self, at: 0) }
            #expect(prices == [2, 3, nil])

            // The carrier never saw them: the settle step puts them back, refunding exactly the charge.
            let settle = StatusBackfill(
                client: client, carrier: SimulatedCarrier(logger: Logger(label: "test")),
                configuration: StatusBackfillConfiguration(olderThan: .zero, rate: 1_000, onlyUnknown: true),
                logger: Logger(label: "test"))
            _ = try await settle.run()
            let (pending, rowCredits, used, balance) = try await client.query(
                """
                SELECT (SELECT count(*)::int FROM campaign_messages WHERE campaign_id = \(campaign) AND status = 'pending'),
                       (SELECT coalesce(sum(credits), 0)::int FROM campaign_messages WHERE campaign_id = \(campaign)),
                       (SELECT credits_used::int FROM campaigns WHERE id = \(campaign)),
                       (SELECT credit_balance::int FROM organizations WHERE id = \(org))
                """)[0].decode((Int, Int, Int, Int).self)
            #expect(pending == 3)
            #expect(rowCredits == 0)
            #expect(used == 0)
            #expect(balance == 100)
        }
    }
}
