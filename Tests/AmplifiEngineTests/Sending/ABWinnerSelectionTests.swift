import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Logging
import Testing

@Suite("Picking the A/B winner releases the holdout once")
struct ABWinnerSelectionTests {
    @Test func winnerReleasesHeldRowsAndPushesTheirChunks() async throws {
        try await withTestDatabase(maxConnections: 4) { client, _ in
            let redis = try RedisClient(url: try await TestRedis.shared.url(), maxConnections: 2)
            let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
            let logger = Logger(label: "test")
            let org = try await client.query("INSERT INTO organizations (name) VALUES ('ab') RETURNING id")[0].decode(
                UUID.self, at: 0)
            try await client.query(
                """
                INSERT INTO contacts (org_id, phone, is_textable)
                SELECT \(org), '+1919' || lpad(n::text, 7, '0'), true FROM generate_series(1, 2000) AS n
                """)
            let campaign = try await client.query(
                """
                INSERT INTO campaigns (org_id, name, message, contact_filter, status, ab_test, message_variant_a, message_variant_b)
                VALUES (\(org), 'ab', 'Hi', '{}'::jsonb, 'sending', true, 'A text', 'B text') RETURNING id
                """)[0].decode(UUID.self, at: 0)
            let summary = try await AudiencePlanner(client: client, logger: logger).expand(
                campaignID: campaign, orgID: org, chunkSize: 500)
            let selection = ABWinnerSelection(client: client, redis: redis, keys: keys, logger: logger)
            let released = try await selection.choose(campaignID: campaign, orgID: org, variant: "b")
            #expect(released == summary.heldCount)
            #expect(released > 1_500)
            let held = try await client.query(
                "SELECT count(*)::int FROM campaign_messages WHERE campaign_id = \(campaign) AND status = 'held'")[0]
            #expect(try held.decode(Int.self, at: 0) == 0)
            let winner = try await client.query("SELECT ab_winner FROM campaigns WHERE id = \(campaign)")[0]
            #expect(try winner.decode(String.self, at: 0) == "B")
            #expect(try await FairChunkQueue(client: redis, keys: keys, logger: logger).depth(orgID: org) == 4)

            let again = await #expect(throws: EngineError.self) {
                try await selection.choose(campaignID: campaign, orgID: org, variant: "A")
            }
            #expect(again?.code == .conflict)
            let invalid = await #expect(throws: EngineError.self) {
                try await selection.choose(campaignID: campaign, orgID: org, variant: "C")
            }
            #expect(invalid?.code == .validationFailed)
            await redis.close()
        }
    }
}
