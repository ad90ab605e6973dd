import AmplifiEngine
import AmplifiPostgres
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Logging
import Testing

@Suite("Automatic A/B decision by reply rate")
struct ABWinnerDeciderTests {
    static let logger = Logger(label: "test")

    /// An org with one number and 40 contacts (+1505000000n).
    static func org(_ client: PostgresClient, numberSuffix: Int = 0) async throws -> (org: UUID, number: UUID) {
        let org = try await client.query("INSERT INTO organizations (name) VALUES ('ab decide') RETURNING id")[0]
            .decode(UUID.self, at: 0)
        let number = try await client.query(
            "INSERT INTO phone_numbers (org_id, e164) VALUES (\(org), \("+1202555" + String(format: "%04d", numberSuffix))) RETURNING id"
        )[0].decode(UUID.self, at: 0)
        try await client.query(
            """
            INSERT INTO contacts (org_id, phone, is_textable)
            SELECT \(org), '+1505' || lpad(g::text, 7, '0'), true FROM generate_series(1, 40) g
            """)
        return (org, number)
    }

    /// A `sending` A/B campaign started `startedAgo` ago (decides after 1 hour): contacts 1–10 got A
    /// (delivered), 11–20 got B (sent), 21–40 are held in chunks 0 and 1.
    static func campaign(
        _ client: PostgresClient, org: UUID, startedAgo: String = "2 hours", winner: String? = nil
    ) async throws -> UUID {
        let campaign = try await client.query(
            """
            INSERT INTO campaigns (org_id, name, message, contact_filter, status, ab_test, message_variant_a,
                                   message_variant_b, started_at, ab_winner, ab_decided_at)
            VALUES (\(org), 'ab', 'Hi', '{}'::jsonb, 'sending', true, 'A text', 'B text',
                    now() - \(startedAgo)::interval, \(winner), CASE WHEN \(winner)::text IS NOT NULL THEN now() END)
            RETURNING id
            """)[0].decode(UUID.self, at: 0)
        try await client.query(
            """
            INSERT INTO campaign_messages (org_id, campaign_id, contact_id, phone, variant, status, chunk)
            SELECT \(org), \(campaign), id, phone,
                   CASE WHEN n <= 10 THEN 'A' WHEN n <= 20 THEN 'B' ELSE 'main' END,
                   CASE WHEN n <= 10 THEN 'delivered' WHEN n <= 20 THEN 'sent' ELSE 'held' END,
                   CASE WHEN n <= 30 THEN 0 ELSE 1 END
            FROM (SELECT id, phone, row_number() OVER (ORDER BY phone) AS n FROM contacts WHERE org_id = \(org)) c
            """)
        return campaign
    }

    /// Inbound messages credited to `campaign` from contacts number `contacts` (1-based), with `keyword`.
    static func replies(
        _ client: PostgresClient, org: UUID, number: UUID, campaign: UUID, contacts: [Int], keyword: String? = nil
    ) async throws {
        try await client.query(
            """
            INSERT INTO inbound_messages (org_id, contact_id, phone_number_id, from_phone, to_phone, body,
                                          provider_message_id, keyword, campaign_id)
            SELECT \(org), c.id, \(number), c.phone, '+12025550000', 'reply', 'SM' || gen_random_uuid(), \(keyword), \(campaign)
            FROM (SELECT id, phone, row_number() OVER (ORDER BY phone) AS n FROM contacts WHERE org_id = \(org)) c
            WHERE c.n = ANY(\(contacts)::int[])
            """)
    }

    static func statusCounts(_ client: PostgresClient, campaign: UUID) async throws -> [String: Int] {
        let rows = try await client.query(
            "SELECT status, count(*)::int FROM campaign_messages WHERE campaign_id = \(campaign) GROUP BY status")
        return Dictionary(uniqueKeysWithValues: try rows.map { try $0.decode((String, Int).self) })
    }

    static func winner(_ client: PostgresClient, campaign: UUID) async throws -> String? {
        try await client.query("SELECT ab_winner FROM campaigns WHERE id = \(campaign)")[0].decode(String?.self, at: 0)
    }

    static func withRedis<Result>(_ body: (RedisClient, QueueKeys) async throws -> Result) async throws -> Result {
        let redis = try RedisClient(url: try await TestRedis.shared.url(), maxConnections: 2)
        let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
        do {
            let result = try await body(redis, keys)
            await redis.close()
            return result
        } catch {
            await redis.close()
            throw error
        }
    }

    @Test func higherReplyRateWinsIgnoringOptOutsAndReleasesTheHoldout() async throws {
        try await withTestDatabase { client, _ in
            try await Self.withRedis { redis, keys in
                let (org, number) = try await Self.org(client)
                let campaign = try await Self.campaign(client, org: org)
                // A: 1 reply + 5 opt-outs (6/10 if opt-outs counted); B: 3 contacts, one replying twice.
                try await Self.replies(client, org: org, number: number, campaign: campaign, contacts: [1])
                try await Self.replies(
                    client, org: org, number: number, campaign: campaign, contacts: [2, 3, 4, 5, 6], keyword: "opt_out")
                try await Self.replies(client, org: org, number: number, campaign: campaign, contacts: [11, 12, 13])
                try await Self.replies(client, org: org, number: number, campaign: campaign, contacts: [11])

                let decider = ABWinnerDecider(client: client, redis: redis, keys: keys, logger: Self.logger)
                let decisions = try await decider.decideDue()
                #expect(decisions.count == 1)
                #expect(decisions.first?.campaignID == campaign)
                #expect(decisions.first?.orgID == org)
                #expect(decisions.first?.winner == "B")
                #expect(decisions.first?.rateA == 0.1)
                #expect(decisions.first?.rateB == 0.3)
                #expect(decisions.first?.released == 20)
                #expect(try await Self.winner(client, campaign: campaign) == "B")
                let counts = try await Self.statusCounts(client, campaign: campaign)
                #expect(counts["held"] == nil)
                #expect(counts["pending"] == 20)
                // Chunks 0 and 1 got work and were pushed to the fair queue.
                #expect(try await FairChunkQueue(client: redis, keys: keys, logger: Self.logger).depth(orgID: org) == 2)
                // Decided once: nothing is due any more.
                #expect(try await decider.decideDue().isEmpty)
            }
        }
    }

    @Test func aTieAndNoRepliesPickA() async throws {
        try await withTestDatabase { client, _ in
            try await Self.withRedis { redis, keys in
                let (org, number) = try await Self.org(client)
                let tied = try await Self.campaign(client, org: org)
                let silent = try await Self.campaign(client, org: org, startedAgo: "3 hours")
                try await Self.replies(client, org: org, number: number, campaign: tied, contacts: [1, 2, 11, 12])

                let decider = ABWinnerDecider(client: client, redis: redis, keys: keys, logger: Self.logger)
                let decisions = try await decider.decideDue()
                // Oldest start first.
                #expect(decisions.map(\.campaignID) == [silent, tied])
                #expect(decisions.map(\.winner) == ["A", "A"])
                #expect(decisions.first?.rateA == 0)
                #expect(decisions.last?.rateA == 0.2)
                #expect(decisions.last?.rateB == 0.2)
                #expect(try await Self.winner(client, campaign: tied) == "A")
                #expect(try await Self.winner(client, campaign: silent) == "A")
                #expect(try await Self.statusCounts(client, campaign: silent)["held"] == nil)
            }
        }
    }

    @Test func campaignsNotDueOrAlreadyDecidedAreSkipped() async throws {
        try await withTestDatabase { client, _ in
            try await Self.withRedis { redis, keys in
                let (org, number) = try await Self.org(client)
                let early = try await Self.campaign(client, org: org, startedAgo: "10 minutes")
                let decided = try await Self.campaign(client, org: org, winner: "A")
                let paused = try await Self.campaign(client, org: org)
                try await client.query("UPDATE campaigns SET status = 'paused' WHERE id = \(paused)")
                try await Self.replies(client, org: org, number: number, campaign: early, contacts: [11])
                try await Self.replies(client, org: org, number: number, campaign: decided, contacts: [11])

                let decider = ABWinnerDecider(client: client, redis: redis, keys: keys, logger: Self.logger)
                #expect(try await decider.decideDue().isEmpty)
                #expect(try await Self.winner(client, campaign: early) == nil)
                #expect(try await Self.winner(client, campaign: decided) == "A")
                #expect(try await Self.winner(client, campaign: paused) == nil)
                #expect(try await Self.statusCounts(client, campaign: early)["held"] == 20)
                #expect(try await Self.statusCounts(client, campaign: decided)["held"] == 20)

                // Once the window passes, the early campaign is decided (B: 1/10 against 0/10).
                try await client.query(
                    "UPDATE campaigns SET started_at = now() - interval '61 minutes' WHERE id = \(early)")
                let decisions = try await decider.decideDue()
                #expect(decisions.map(\.campaignID) == [early])
                #expect(decisions.first?.winner == "B")
            }
        }
    }
}
