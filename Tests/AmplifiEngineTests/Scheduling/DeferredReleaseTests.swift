import AmplifiEngine
import AmplifiPostgres
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Logging
import Testing

@Suite("Quiet-hours deferrals are released when the window opens")
struct DeferredReleaseTests {
    @Test func dueRowsGoBackToPendingAndTheirChunksAreQueued() async throws {
        try await withTestDatabase(maxConnections: 4) { client, _ in
            let redis = try RedisClient(url: try await TestRedis.shared.url(), maxConnections: 2)
            let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
            let logger = Logger(label: "test")
            let org = try await client.query("INSERT INTO organizations (name) VALUES ('night') RETURNING id")[0]
                .decode(UUID.self, at: 0)
            try await client.query(
                """
                INSERT INTO contacts (org_id, phone, is_textable)
                SELECT \(org), '+1919' || lpad(n::text, 7, '0'), true FROM generate_series(1, 300) AS n
                """)
            func campaign(_ status: String) async throws -> UUID {
                let id = try await client.query(
                    """
                    INSERT INTO campaigns (org_id, name, message, contact_filter, status)
                    VALUES (\(org), 'c', 'Hi', '{}'::jsonb, \(status)) RETURNING id
                    """)[0].decode(UUID.self, at: 0)
                _ = try await AudiencePlanner(client: client, logger: logger).expand(
                    campaignID: id, orgID: org, chunkSize: 100)
                return id
            }
            let sending = try await campaign("sending")
            let paused = try await campaign("paused")
            // Chunks 0 and 1 were deferred until a moment that has passed, chunk 2 until tomorrow.
            for id in [sending, paused] {
                try await client.query(
                    """
                    UPDATE campaign_messages SET status = 'deferred',
                        defer_until = CASE WHEN chunk < 2 THEN now() - interval '1 minute' ELSE now() + interval '1 day' END
                    WHERE campaign_id = \(id)
                    """)
            }
            let released = try await DeferredRelease(client: client, redis: redis, keys: keys, logger: logger)
                .releaseDue()
            #expect(released == 200)
            let counts = try await client.query(
                "SELECT status, count(*)::int FROM campaign_messages WHERE campaign_id = \(sending) GROUP BY status")
            let byStatus = Dictionary(uniqueKeysWithValues: try counts.map { try $0.decode((String, Int).self) })
            #expect(byStatus == ["pending": 200, "deferred": 100])
            #expect(try await FairChunkQueue(client: redis, keys: keys, logger: logger).depth(orgID: org) == 2)
            // The paused campaign's rows wait for resume.
            let pausedPending = try await client.query(
                "SELECT count(*)::int FROM campaign_messages WHERE campaign_id = \(paused) AND status = 'pending'")[0]
            #expect(try pausedPending.decode(Int.self, at: 0) == 0)
            #expect(
                try await DeferredRelease(client: client, redis: redis, keys: keys, logger: logger).releaseDue() == 0)
            await redis.close()
        }
    }
}
