import AmplifiLocalServers
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

/// Real processes: `amplifi scheduler` and `amplifi worker`, one of them killed with
/// SIGKILL in the middle of planning a campaign.
@Suite("A planner killed mid-way and rerun gives identical rows")
struct PlannerCrashTests {
    @Test func killedWorkerIsReplacedAndThePlanIsIdenticalToACleanOne() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            let org = try await client.query("INSERT INTO organizations (name) VALUES ('crash') RETURNING id")[0]
                .decode(UUID.self, at: 0)
            // Planning needs a number to send from (the org's default). It sends one message every
            // 100 s: this test is about planning, and a worker busy sending 60,000 messages beside
            // two plans only slows it down.
            try await client.query(
                "INSERT INTO phone_numbers (org_id, e164, is_default, mps) VALUES (\(org), '+12025550177', true, 0.01)")
            try await client.query(
                """
                INSERT INTO contacts (org_id, phone, first_name, is_textable, opted_out_at)
                SELECT \(org), '+1919' || lpad(n::text, 7, '0'), 'C' || n, n % 50 <> 0,
                       CASE WHEN n % 10 = 0 THEN now() END
                FROM generate_series(1, 60000) AS n
                """)
            func campaign(_ status: String) async throws -> UUID {
                try await client.query(
                    """
                    INSERT INTO campaigns (org_id, name, message, contact_filter, status)
                    VALUES (\(org), 'c', 'Hi', '{}'::jsonb, \(status)) RETURNING id
                    """)[0].decode(UUID.self, at: 0)
            }
            let crashed = try await campaign("pending")
            let environment = ["AMPLIFI_DATABASE_URL": url, "AMPLIFI_REDIS_URL": redis.url]
            // Output to files: nobody reads it as it comes, and an unread pipe would block the process.
            let logs = FileManager.default.temporaryDirectory.appendingPathComponent("planner-crash-\(UUID())")
            try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
            // The logs stay in the temporary directory for a failed run to be read.
            let scheduler = try AmplifiExecutable.launch(
                ["scheduler", "--tick-milliseconds", "100"], environment: environment,
                logTo: logs.appendingPathComponent("scheduler.log"))
            defer { scheduler.terminate() }
            let first = try AmplifiExecutable.launch(
                ["worker", "--chunk-size", "100", "--lease-seconds", "1", "--worker-id", "first"],
                environment: environment,
                logTo: logs.appendingPathComponent("first.log"))
            // Kill the worker once it has planned part of the audience.
            try await LocalNetwork.waitUntil("planning to start", timeout: 60) {
                let planned =
                    (try? await client.query("SELECT count(*) FROM campaign_messages WHERE campaign_id = \(crashed)")[0]
                        .decode(Int.self, at: 0)) ?? 0
                return planned >= 2_000
            }
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            let plannedAtKill = try await client.query(
                "SELECT count(*) FROM campaign_messages WHERE campaign_id = \(crashed)")[0]
                .decode(Int.self, at: 0)
            #expect(plannedAtKill < 60_000, "the worker finished before it could be killed; make the audience larger")

            let second = try AmplifiExecutable.launch(
                ["worker", "--chunk-size", "100", "--lease-seconds", "1", "--worker-id", "second"],
                environment: environment,
                logTo: logs.appendingPathComponent("second.log"))
            defer { second.terminate() }
            try await LocalNetwork.waitUntil("the campaign to be planned", timeout: 240) {
                let status = try? await client.query("SELECT status FROM campaigns WHERE id = \(crashed)")[0].decode(
                    String.self, at: 0)
                // Planned: sending, or already paused (this org has no credits, so the first batch pauses it).
                return ["sending", "paused"].contains(status)
            }
            // Every contact exactly once…
            let (rows, distinct) = try await client.query(
                "SELECT count(*)::int, count(DISTINCT contact_id)::int FROM campaign_messages WHERE campaign_id = \(crashed)"
            )[0].decode((Int, Int).self)
            #expect(rows == 60_000)
            #expect(distinct == 60_000)

            // …and the same plan (skipped or not, skip reason, chunk per contact) as an uninterrupted run
            // (the workers are sending the planned rows meanwhile, so their status moves on).
            let clean = try await campaign("pending")
            try await LocalNetwork.waitUntil("the clean campaign to be planned", timeout: 240) {
                let status = try? await client.query("SELECT status FROM campaigns WHERE id = \(clean)")[0].decode(
                    String.self, at: 0)
                // Planned: sending, or already paused (this org has no credits, so the first batch pauses it).
                return ["sending", "paused"].contains(status)
            }
            let differences = try await client.query(
                """
                SELECT count(*)::int FROM (
                    (SELECT contact_id, status = 'skipped', skip_reason, chunk FROM campaign_messages WHERE campaign_id = \(crashed)
                     EXCEPT
                     SELECT contact_id, status = 'skipped', skip_reason, chunk FROM campaign_messages WHERE campaign_id = \(clean))
                    UNION ALL
                    (SELECT contact_id, status = 'skipped', skip_reason, chunk FROM campaign_messages WHERE campaign_id = \(clean)
                     EXCEPT
                     SELECT contact_id, status = 'skipped', skip_reason, chunk FROM campaign_messages WHERE campaign_id = \(crashed))
                ) d
                """)[0].decode(Int.self, at: 0)
            #expect(differences == 0)
            let counts = try await client.query(
                "SELECT audience_count, skipped_count FROM campaigns WHERE id = \(crashed)")[0].decode((Int, Int).self)
            #expect(counts.0 == 60_000)
        }
    }
}
