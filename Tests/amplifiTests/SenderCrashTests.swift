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
        let hour =
            Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).hour ?? 12
        var offset = 12 - hour
        if offset > 12 { offset -= 24 }
        if offset < -11 { offset += 24 }
        // Etc/GMT-N is UTC+N (POSIX sign convention).
        return offset == 0 ? "Etc/GMT" : "Etc/GMT\(offset > 0 ? "-" : "+")\(abs(offset))"
    }

    /// An organization with credits, a fast sender number and `contacts` contacts at midday,
    /// and a pending campaign to all of them.
    struct Fixture {
        let client: PostgresClient
        let org: UUID
        let campaign: UUID
        let recipients: Int

        static func make(_ client: PostgresClient, recipients: Int = 6_000) async throws -> Fixture {
            let zone = SenderCrashTests.middayZone()
            let org = try await client.query(
                "INSERT INTO organizations (name, timezone) VALUES ('crash', \(zone)) RETURNING id")[0].decode(
                    UUID.self, at: 0)
            try await client.query(
                "INSERT INTO credit_ledger (org_id, kind, amount, reason) VALUES (\(org), 'topup', 100000, 'test')")
            try await client.query(
                """
                INSERT INTO phone_numbers (org_id, e164, is_default, mps, kind)
                VALUES (\(org), '+19195550123', true, 100000, 'short_code')
                """)
            try await client.query(
                """
                INSERT INTO contacts (org_id, phone, first_name, is_textable, timezone)
                SELECT \(org), '+1919' || (2000000 + n)::text, 'C' || n, true, \(zone)
                FROM generate_series(1, \(recipients)) AS n
                """)
            let campaign = try await client.query(
                """
                INSERT INTO campaigns (org_id, name, message, contact_filter, status, timezone)
                VALUES (\(org), 'crash', 'Hi {{firstName}}', '{}'::jsonb, 'pending', \(zone)) RETURNING id
                """)[0].decode(UUID.self, at: 0)
            return Fixture(client: client, org: org, campaign: campaign, recipients: recipients)
        }

        func count(_ status: String) async throws -> Int {
            try await client.query(
                "SELECT count(*)::int FROM campaign_messages WHERE campaign_id = \(campaign) AND status = \(status)"
            )[0].decode(Int.self, at: 0)
        }

        func waitForCompletion(timeout: Double = 120) async throws {
            try await LocalNetwork.waitUntil("the campaign to complete", timeout: timeout) {
                let status = try? await client.query("SELECT status FROM campaigns WHERE id = \(campaign)")[0]
                    .decode(String.self, at: 0)
                return status == "completed"
            }
        }

        /// Nothing lost (every row sent, or `unknown` when a worker died holding it), nothing sent
        /// twice (unique provider ids, one per sent row), and the balance equal to the ledger.
        /// (Each worker process here has its own in-process simulated carrier, so the survivor's
        /// settle step cannot find the dead worker's in-flight messages and puts them back after the
        /// grace; the same test against one shared carrier is in `MisbehavingCarrierTests`.)
        func expectNothingLostNothingTwice(maxUnknown: Int) async throws {
            let sent = try await count("sent")
            let unknown = try await count("unknown")
            #expect(try await count("pending") == 0)
            #expect(try await count("sending") == 0)
            #expect(sent + unknown == recipients)
            #expect(unknown <= maxUnknown)
            let (ids, distinct) = try await client.query(
                """
                SELECT count(provider_message_id)::int, count(DISTINCT provider_message_id)::int
                FROM campaign_messages WHERE campaign_id = \(campaign)
                """)[0].decode((Int, Int).self)
            #expect(ids == distinct)
            #expect(ids == sent)
            let (balance, ledger) = try await client.query(
                """
                SELECT credit_balance, (SELECT sum(amount) FROM credit_ledger WHERE org_id = \(org))::bigint
                FROM organizations WHERE id = \(org)
                """)[0].decode((Int64, Int64).self)
            #expect(balance == ledger)
        }
    }

    /// Starts `amplifi arguments…` with its output in `<name>.log` under a fresh temporary directory.
    static func launch(_ name: String, _ arguments: [String], environment: [String: String]) throws -> Process {
        let logs = try LocalNetwork.temporaryDirectory(prefix: "sender-crash")
        return try AmplifiExecutable.launch(
            arguments, environment: environment, logTo: logs.appendingPathComponent("\(name).log"))
    }

    static let schedulerArguments = [
        "scheduler", "--tick-milliseconds", "100", "--reconcile-every", "10", "--claim-lease-seconds", "3",
    ]
    static let workerArguments = [
        "worker", "--chunk-size", "500", "--batch-size", "50", "--concurrency", "2", "--lease-seconds", "2",
        "--sim-latency-milliseconds", "20", "--settle-after-seconds", "10",
    ]

    @Test func killedWorkerLosesNothingAndResendsNothing() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            let fixture = try await Fixture.make(client)
            let environment = ["AMPLIFI_DATABASE_URL": url, "AMPLIFI_REDIS_URL": redis.url]
            let scheduler = try Self.launch("scheduler", Self.schedulerArguments, environment: environment)
            defer { scheduler.terminate() }
            let first = try Self.launch(
                "first", Self.workerArguments + ["--worker-id", "first"], environment: environment)
            try await LocalNetwork.waitUntil("sending to start", timeout: 60) {
                ((try? await fixture.count("sent")) ?? 0) >= 500
            }
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            #expect(try await fixture.count("sent") < fixture.recipients, "the worker finished before it was killed")
            let second = try Self.launch(
                "second", Self.workerArguments + ["--worker-id", "second"], environment: environment)
            defer { second.terminate() }
            try await fixture.waitForCompletion()
            // At most the killed worker's batches in flight (2 loops × 50) are unknown.
            try await fixture.expectNothingLostNothingTwice(maxUnknown: 100)
        }
    }

    @Test func redisRestartedEmptyMidSendIsRebuiltFromPostgres() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            let fixture = try await Fixture.make(client)
            let environment = ["AMPLIFI_DATABASE_URL": url, "AMPLIFI_REDIS_URL": redis.url]
            let scheduler = try Self.launch("scheduler", Self.schedulerArguments, environment: environment)
            defer { scheduler.terminate() }
            let workers = try (0..<2).map {
                try Self.launch("w\($0)", Self.workerArguments + ["--worker-id", "w\($0)"], environment: environment)
            }
            defer { for worker in workers { worker.terminate() } }
            try await LocalNetwork.waitUntil("sending to start", timeout: 60) {
                ((try? await fixture.count("sent")) ?? 0) >= 500
            }
            // Redis loses everything: queues, leases, rate buckets, scripts.
            try await redis.restart()
            #expect(try await fixture.count("sent") < fixture.recipients, "the campaign finished before the restart")
            try await fixture.waitForCompletion()
            // Batches whose Redis calls failed mid-flight may leave rows unknown; none are resent.
            try await fixture.expectNothingLostNothingTwice(maxUnknown: 200)
        }
    }
}
