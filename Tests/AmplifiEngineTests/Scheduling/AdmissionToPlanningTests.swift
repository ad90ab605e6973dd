import AmplifiEngine
import AmplifiLocalServers
import AmplifiPostgres
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Logging
import Testing

@Suite("From admission to planned chunks, and back after Redis loses everything")
struct AdmissionToPlanningTests {
    /// An organization with a default number, `contacts` textable contacts (every 10th opted out) and
    /// one pending campaign.
    static func seedCampaign(_ client: PostgresClient, contacts: Int) async throws -> (org: UUID, campaign: UUID) {
        let org = try await client.query("INSERT INTO organizations (name) VALUES ('org') RETURNING id")[0].decode(
            UUID.self, at: 0)
        try await client.query(
            """
            INSERT INTO phone_numbers (org_id, e164, is_default, mps)
            SELECT \(org), '+1202555' || lpad((count(*) + 1)::text, 4, '0'), true, 10 FROM phone_numbers
            """)
        try await client.query(
            """
            INSERT INTO contacts (org_id, phone, first_name, is_textable, opted_out_at)
            SELECT \(org), '+1919' || lpad(n::text, 7, '0'), 'C' || n, true,
                   CASE WHEN n % 10 = 0 THEN now() END
            FROM generate_series(1, \(contacts)) AS n
            """)
        let campaign = try await client.query(
            """
            INSERT INTO campaigns (org_id, name, message, contact_filter, status)
            VALUES (\(org), 'spring', 'Hi {{firstName}}', '{}'::jsonb, 'pending') RETURNING id
            """)[0].decode(UUID.self, at: 0)
        return (org, campaign)
    }

    static func status(_ client: PostgresClient, _ campaign: UUID) async throws -> String {
        try await client.query("SELECT status FROM campaigns WHERE id = \(campaign)")[0].decode(String.self, at: 0)
    }

    @Test func schedulerAdmitsAndAWorkerPlansIntoChunkJobs() async throws {
        try await withTestDatabase(maxConnections: 6) { client, _ in
            let redis = try RedisClient(url: try await TestRedis.shared.url(), maxConnections: 2)
            let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
            let (org, campaign) = try await Self.seedCampaign(client, contacts: 2_500)
            try await SchedulerService(client: client, redis: redis, keys: keys).runOnce(reconcile: false)
            #expect(try await Self.status(client, campaign) == "queued")

            let admissions = AdmissionQueue(client: redis, keys: keys, logger: Logger(label: "test"))
            let planner = CampaignPlannerService(
                client: client, redis: redis, keys: keys, workerID: "w1", chunkSize: 1_000)
            try await admissions.ensureGroup()
            let admission = try #require(try await admissions.claimNext(consumer: "w1", block: .milliseconds(100)))
            #expect(admission.campaignID == campaign)
            try await planner.plan(admission)

            #expect(try await Self.status(client, campaign) == "sending")
            let chunks = FairChunkQueue(client: redis, keys: keys, logger: Logger(label: "test"))
            #expect(try await chunks.depth(orgID: org) == 3)
            let counts = try await client.query(
                "SELECT audience_count, skipped_count FROM campaigns WHERE id = \(campaign)")[0].decode((Int, Int).self)
            #expect(counts == (2_500, 250))
            #expect(try await admissions.pendingCount() == 0)
            await redis.close()
        }
    }

    @Test func redisFlushedMidCampaignIsRebuiltFromPostgres() async throws {
        let server = try await LocalRedisServer.start()
        defer { server.stop() }
        try await withTestDatabase(maxConnections: 6) { client, _ in
            let redis = try RedisClient(url: server.url, maxConnections: 2)
            let keys = QueueKeys()
            // Campaign 1 gets planned (sending, 2 chunks); campaign 2 is admitted but not planned yet.
            let first = try await Self.seedCampaign(client, contacts: 1_500)
            let scheduler = SchedulerService(client: client, redis: redis, keys: keys)
            try await scheduler.runOnce(reconcile: false)
            let planner = CampaignPlannerService(
                client: client, redis: redis, keys: keys, workerID: "w1", chunkSize: 1_000)
            let admissions = AdmissionQueue(client: redis, keys: keys, logger: Logger(label: "test"))
            try await admissions.ensureGroup()
            try await planner.plan(
                try #require(try await admissions.claimNext(consumer: "w1", block: .milliseconds(100))))
            let second = try await Self.seedCampaign(client, contacts: 10)
            try await scheduler.runOnce(reconcile: false)
            #expect(try await Self.status(client, second.campaign) == "queued")

            // A reconcile pass on healthy Redis changes nothing.
            let reconciler = QueueReconciler(client: client, redis: redis, keys: keys)
            #expect(try await reconciler.reconcile() == QueueReconciler.Pass())

            try await redis.send(["FLUSHALL"])
            let chunks = FairChunkQueue(client: redis, keys: keys, logger: Logger(label: "test"))
            #expect(try await chunks.totalDepth() == 0)

            let pass = try await reconciler.reconcile()
            #expect(pass.republished == 1)
            #expect(pass.chunksRestored == 2)
            #expect(try await chunks.depth(orgID: first.org) == 2)
            // The republished admission is planned like any other.
            let admission = try #require(try await admissions.claimNext(consumer: "w2", block: .milliseconds(500)))
            #expect(admission.campaignID == second.campaign)
            try await planner.plan(admission)
            #expect(try await Self.status(client, second.campaign) == "sending")
            await redis.close()
        }
    }

    @Test func duplicateAdmissionIsAcknowledgedWithoutReplanning() async throws {
        try await withTestDatabase(maxConnections: 6) { client, _ in
            let redis = try RedisClient(url: try await TestRedis.shared.url(), maxConnections: 2)
            let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
            let (org, campaign) = try await Self.seedCampaign(client, contacts: 100)
            try await client.query("UPDATE campaigns SET status = 'queued' WHERE id = \(campaign)")
            let admissions = AdmissionQueue(client: redis, keys: keys, logger: Logger(label: "test"))
            try await admissions.ensureGroup()
            _ = try await admissions.publish(campaignID: campaign, orgID: org)
            _ = try await admissions.publish(campaignID: campaign, orgID: org)
            let planner = CampaignPlannerService(
                client: client, redis: redis, keys: keys, workerID: "w1", chunkSize: 1_000)
            for _ in 0..<2 {
                try await planner.plan(
                    try #require(try await admissions.claimNext(consumer: "w1", block: .milliseconds(100))))
            }
            #expect(try await admissions.pendingCount() == 0)
            let rows = try await client.query("SELECT count(*) FROM campaign_messages WHERE campaign_id = \(campaign)")[
                0]
            #expect(try rows.decode(Int.self, at: 0) == 100)
            await redis.close()
        }
    }
}
