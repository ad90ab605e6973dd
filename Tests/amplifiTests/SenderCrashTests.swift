import AmplifiLocalServers
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

/// Real processes: a scheduler and a worker sending a campaign; the worker is killed
/// with SIGKILL mid-send and a second worker takes over.
@Suite("A worker killed mid-send: nothing sent twice, nothing lost")
struct SenderCrashTests {
    /// An IANA zone where it is about noon now, so quiet hours never defer the test's sends.
    static func middayZone() -> String {
        let hour = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).hour ?? 12
        var offset = 12 - hour
        if offset > 12 { offset -= 24 }
        if offset < -11 { offset += 24 }
        // Etc/GMT-N is UTC+N (POSIX sign convention).
        return offset == 0 ? "Etc/GMT" : "Etc/GMT\(offset > 0 ? "-" : "+")\(abs(offset))"
    }

    @Test func killedWorkerLosesNothingAndResendsNothing() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            let zone = Self.middayZone()
            let org = try await client.query(
                "INSERT INTO organizations (name, timezone) VALUES ('crash', \(zone)) RETURNING id")[0].decode(UUID.self, at: 0)
            try await client.query("INSERT INTO credit_ledger (org_id, kind, amount, reason) VALUES (\(org), 'topup', 100000, 'test')")
            try await client.query(
                "INSERT INTO phone_numbers (org_id, e164, is_default, mps, kind) VALUES (\(org), '+19195550123', true, 100000, 'short_code')")
            try await client.query(
                """
                INSERT INTO contacts (org_id, phone, first_name, is_textable, timezone)
                SELECT \(org), '+1919' || lpad(n::text, 7, '0'), 'C' || n, true, \(zone)
                FROM generate_series(1, 6000) AS n
                """)
            let campaign = try await client.query(
                """
                INSERT INTO campaigns (org_id, name, message, contact_filter, status, timezone)
                VALUES (\(org), 'crash', 'Hi {{firstName}}', '{}'::jsonb, 'pending', \(zone)) RETURNING id
                """)[0].decode(UUID.self, at: 0)
            func count(_ status: String) async throws -> Int {
                try await client.query(
                    "SELECT count(*)::int FROM campaign_messages WHERE campaign_id = \(campaign) AND status = \(status)"
                )[0].decode(Int.self, at: 0)
            }
            let environment = ["AMPLIFI_DATABASE_URL": url, "AMPLIFI_REDIS_URL": redis.url]
            let scheduler = try AmplifiExecutable.launch(
                ["scheduler", "--tick-milliseconds", "100", "--reconcile-every", "10", "--claim-lease-seconds", "3"],
                environment: environment)
            defer { scheduler.0.terminate() }
            let workerArguments = [
                "worker", "--chunk-size", "500", "--batch-size", "50", "--concurrency", "2", "--lease-seconds", "2",
                "--sim-latency-milliseconds", "20",
            ]
            let first = try AmplifiExecutable.launch(workerArguments + ["--worker-id", "first"], environment: environment)
            try await LocalNetwork.waitUntil("sending to start", timeout: 60) {
                ((try? await count("sent")) ?? 0) >= 500
            }
            kill(first.0.processIdentifier, SIGKILL)
            first.0.waitUntilExit()
            let sentAtKill = try await count("sent")
            #expect(sentAtKill < 6_000, "the worker finished before it could be killed; slow the simulator down")

            let second = try AmplifiExecutable.launch(workerArguments + ["--worker-id", "second"], environment: environment)
            defer { second.0.terminate() }
            try await LocalNetwork.waitUntil("the campaign to complete", timeout: 120) {
                let status = try? await client.query("SELECT status FROM campaigns WHERE id = \(campaign)")[0]
                    .decode(String.self, at: 0)
                return status == "completed"
            }
            // Nothing lost: every row ended sent, or `unknown` (claimed by the killed worker and
            // possibly at the carrier: never resent blindly).
            let sent = try await count("sent")
            let unknown = try await count("unknown")
            #expect(try await count("pending") == 0)
            #expect(try await count("sending") == 0)
            #expect(sent + unknown == 6_000)
            // At most the killed worker's batches in flight (2 loops × 50) are unknown.
            #expect(unknown <= 100)
            // Nothing sent twice: provider ids are unique and no row was recorded twice.
            let (ids, distinct) = try await client.query(
                """
                SELECT count(provider_message_id)::int, count(DISTINCT provider_message_id)::int
                FROM campaign_messages WHERE campaign_id = \(campaign)
                """)[0].decode((Int, Int).self)
            #expect(ids == distinct)
            #expect(ids == sent)
            // Credits: balance equals the ledger.
            let (balance, ledger) = try await client.query(
                """
                SELECT credit_balance, (SELECT sum(amount) FROM credit_ledger WHERE org_id = \(org))::bigint
                FROM organizations WHERE id = \(org)
                """)[0].decode((Int64, Int64).self)
            #expect(balance == ledger)
        }
    }
}
