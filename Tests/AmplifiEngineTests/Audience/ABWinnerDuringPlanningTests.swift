import AmplifiEngine
import AmplifiPostgres
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Logging
import Testing

/// An A/B winner picked while the audience is still being planned: pages written before the
/// winner are released by it, pages written after it are `pending` from the start.
@Suite("A/B winner picked during planning")
struct ABWinnerDuringPlanningTests {
    typealias F = AudienceFixtures

    @Test func noRowIsLeftHeldWhenTheWinnerCommitsMidPlan() async throws {
        try await withTestDatabase(maxConnections: 6) { client, _ in
            let redis = try RedisClient(url: try await TestRedis.shared.url(), maxConnections: 2)
            let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
            let logger = Logger(label: "amplifi.test.ab")
            let org = try await F.createOrg(client)
            let total = 30_000
            try await client.query(
                """
                INSERT INTO contacts (org_id, phone, is_textable)
                SELECT \(org), '+1919' || lpad(n::text, 7, '0'), true FROM generate_series(1, \(total)) AS n
                """)
            let campaign = try await F.campaign(client, org: org, abTest: true)

            // Small pages, so the plan takes hundreds of statements.
            let planning = Task {
                try await AudiencePlanner(client: client, logger: logger).expand(
                    campaignID: campaign, orgID: org, chunkSize: 100)
            }
            var plannedAtWinner = 0
            while plannedAtWinner < 3_000 {
                try await Task.sleep(for: .milliseconds(5))
                plannedAtWinner = try await client.query(
                    "SELECT count(*)::int FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign)"
                )[0].decode(Int.self, at: 0)
            }
            let released = try await ABWinnerSelection(client: client, redis: redis, keys: keys, logger: logger)
                .choose(campaignID: campaign, orgID: org, variant: "B")
            let summary = try await planning.value

            // The winner really landed mid-plan: some pages were held and released, later ones were not.
            #expect(released > 0)
            #expect(released < summary.variantCounts["main", default: 0])
            #expect(summary.audienceCount == total)
            #expect(summary.heldCount == 0)
            let (held, mainPending) = try await client.query(
                """
                SELECT count(*) FILTER (WHERE status = 'held')::int,
                       count(*) FILTER (WHERE variant = 'main' AND status = 'pending')::int
                FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign)
                """)[0].decode((Int, Int).self)
            #expect(held == 0)
            #expect(mainPending == summary.variantCounts["main", default: 0])
            await redis.close()
        }
    }

    @Test func planningAfterTheWinnerWritesNoHeldRow() async throws {
        try await withTestDatabase { client, _ in
            let org = try await F.createOrg(client)
            try await client.query(
                """
                INSERT INTO contacts (org_id, phone, is_textable)
                SELECT \(org), '+1919' || lpad(n::text, 7, '0'), true FROM generate_series(1, 500) AS n
                """)
            let campaign = try await F.campaign(client, org: org, abTest: true)
            // A first run stopped after two pages, before any winner: those rows are held.
            let first = try await AudiencePlanner(client: client).expand(
                campaignID: campaign, orgID: org, chunkSize: 100, pageLimit: 2)
            #expect(first.heldCount > 0)
            // The winner is set without its release (as if a planner crashed between the two).
            try await client.query("UPDATE campaigns SET ab_winner = 'A', ab_decided_at = now() WHERE id = \(campaign)")
            let rest = try await AudiencePlanner(client: client).expand(
                campaignID: campaign, orgID: org, chunkSize: 100)
            #expect(rest.isComplete && rest.audienceCount == 500)
            #expect(rest.heldCount == 0)
        }
    }
}
