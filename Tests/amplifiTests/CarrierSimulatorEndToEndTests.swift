import AmplifiCarriers
import AmplifiLocalServers
import AmplifiMessaging
import AmplifiPostgres
import AmplifiTestSupport
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Real processes over real HTTP: `amplifi carrier-sim`, `amplifi receiver`, a scheduler and a
/// worker with `AMPLIFI_CARRIER=twilio`, then `backfill-status` and `contacts lookup` against the
/// simulator server; real Postgres and Redis.
@Suite("The carrier-sim server end to end")
struct CarrierSimulatorEndToEndTests {
    static let accountSID = "AC" + String(repeating: "7", count: 32)
    static let authToken = "sim-e2e-token"

    /// The simulator's counters (`GET /sim/stats`).
    struct Stats: Decodable {
        var created: Int
        var duplicates: Int
        var callbacksSent: Int
        var callbacksFailed: Int
        var callbacksDropped: Int
        var byStatus: [String: Int]
        var refused: Int
        var concurrencyRejections: Int
        var peakConcurrentCreates: Int
    }

    /// Basic credentials of the test account, which `/sim/*` requires.
    static let authorization = "Basic " + Data("\(accountSID):\(authToken)".utf8).base64EncodedString()

    static func stats(port: Int) async throws -> Stats {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/sim/stats")
        request.headers.add(name: "Authorization", value: authorization)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return try JSONDecoder().decode(Stats.self, from: Data(body.readableBytesView))
    }

    /// Posts `body` from `from` to the org's number through the simulator's inbound webhook.
    static func inbound(port: Int, from: String, body: String) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/sim/inbound")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Authorization", value: authorization)
        request.body = .bytes(
            ByteBuffer(string: FormURLEncoding.encode([("From", from), ("To", "+19195550123"), ("Body", body)])))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    /// Rows by status and error code, for failure messages.
    static func breakdown(_ client: PostgresClient, _ campaign: UUID) async throws -> String {
        try await client.query(
            """
            SELECT status || ' ' || coalesce(error_code, coalesce(skip_reason, '')) || ': ' || count(*)
            FROM campaign_messages WHERE campaign_id = \(campaign) GROUP BY status, error_code, skip_reason
            """
        ).map { try $0.decode(String.self, at: 0) }.joined(separator: ", ")
    }

    /// Launches `amplifi carrier-sim` on a free port with `options`; returns the process and port.
    static func launchSimulator(_ options: [String], environment: [String: String]) async throws -> (Process, Int) {
        let port = try LocalNetwork.freePort()
        let simulator = try AmplifiExecutable.launch(
            ["carrier-sim", "--port", "\(port)"] + options, environment: environment)
        try await LocalNetwork.waitUntil("carrier-sim", timeout: 30) { LocalNetwork.isListening(port: port) }
        return (simulator.0, port)
    }

    @Test func outOfOrderAndDuplicatedCallbacksSettleEveryMessageOnceAndAStopOptsOut() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            let fixture = try await SenderCrashTests.Fixture.make(client, recipients: 400)
            let receiverPort = try LocalNetwork.freePort()
            var environment = TwilioFleet.environment(
                databaseURL: url, redisURL: redis.url, accountSID: Self.accountSID, authToken: Self.authToken,
                baseURL: nil, receiverPort: receiverPort)
            let (simulator, simulatorPort) = try await Self.launchSimulator(
                [
                    "--out-of-order-rate", "0.3", "--duplicate-rate", "0.2", "--undelivered-rate", "0.1",
                    "--permanent-failure-rate", "0.02", "--callback-delay-ms", "5",
                    "--inbound-url", "http://127.0.0.1:\(receiverPort)/twilio/inbound",
                ],
                environment: environment)
            defer { simulator.terminate() }
            environment["TWILIO_BASE_URL"] = "http://127.0.0.1:\(simulatorPort)"
            let fleet = try await TwilioFleet.launch(
                environment: environment, receiverPort: receiverPort,
                workerArguments: ["--chunk-size", "100", "--batch-size", "50", "--concurrency", "2"])
            defer { fleet.stop() }

            try await fixture.waitForCompletion()
            do {
                try await LocalNetwork.waitUntil("every accepted message settled by its callbacks", timeout: 90) {
                    (try? await fixture.count("sent")) == 0
                }
            } catch {
                // A callback the simulator gave up on (the receiver of a loaded machine answered
                // 5xx or not at all, three times) is a callback that never comes, as from Twilio:
                // status polling settles those, as in production. Any other row left `sent` is a bug.
                let stats = try await Self.stats(port: simulatorPort)
                let breakdown = try await Self.breakdown(client, fixture.campaign)
                guard stats.callbacksFailed + stats.callbacksDropped > 0 else {
                    Issue.record("\(error): no callback was lost, yet rows are unsettled: \(breakdown); \(stats)")
                    return
                }
                let backfill = try await AmplifiExecutable.run(
                    ["backfill-status", "--older-than", "0s", "--rate", "200", "--json"], environment: environment)
                #expect(backfill.status == 0, "\(backfill)")
                #expect(try await fixture.count("sent") == 0, "after backfill: \(breakdown); \(stats)")
            }
            let delivered = try await fixture.count("delivered")
            let undelivered = try await fixture.count("undelivered")
            let failed = try await fixture.count("failed")
            #expect(delivered + undelivered + failed == fixture.recipients)
            #expect(undelivered > 0, "the simulator's 10% undelivered should show")
            // Counters equal the rows, however many callbacks came twice or out of order.
            let counters = try await client.query(
                """
                SELECT sent_count::int, delivered_count::int, undelivered_count::int, failed_count::int
                FROM campaigns WHERE id = \(fixture.campaign)
                """)[0].decode((Int, Int, Int, Int).self)
            #expect(counters.0 == delivered + undelivered)
            #expect(counters.1 == delivered)
            #expect(counters.2 == undelivered)
            #expect(counters.3 == failed)
            let stats = try await Self.stats(port: simulatorPort)
            #expect(stats.duplicates == 0)
            #expect(stats.created == delivered + undelivered)
            #expect(stats.callbacksSent > 3 * stats.created, "duplicated callbacks were posted")

            // A recipient texts STOP: the simulator signs the webhook, the receiver opts them out.
            let phone = try await client.query(
                "SELECT phone FROM campaign_messages WHERE campaign_id = \(fixture.campaign) AND status = 'delivered' LIMIT 1"
            )[0].decode(String.self, at: 0)
            #expect(try await Self.inbound(port: simulatorPort, from: phone, body: "STOP") == 200)
            let (optedOut, optOuts) = try await client.query(
                """
                SELECT (SELECT opted_out_at IS NOT NULL FROM contacts WHERE org_id = \(fixture.org) AND phone = \(phone)),
                       (SELECT opt_out_count::int FROM campaigns WHERE id = \(fixture.campaign))
                """)[0].decode((Bool, Int).self)
            #expect(optedOut)
            #expect(optOuts == 1)
        }
    }

    @Test func backfillAndLookupOverHTTP() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            let fixture = try await SenderCrashTests.Fixture.make(client, recipients: 120)
            var environment = TwilioFleet.environment(
                databaseURL: url, redisURL: redis.url, accountSID: Self.accountSID, authToken: Self.authToken,
                baseURL: nil, receiverPort: nil)
            // No receiver and no callbacks: statuses are learned only by polling.
            let (simulator, simulatorPort) = try await Self.launchSimulator(
                ["--no-callbacks", "--callback-delay-ms", "1"], environment: environment)
            defer { simulator.terminate() }
            environment["TWILIO_BASE_URL"] = "http://127.0.0.1:\(simulatorPort)"
            let fleet = try await TwilioFleet.launch(
                environment: environment, receiverPort: nil,
                workerArguments: ["--chunk-size", "60", "--batch-size", "30"])
            defer { fleet.stop() }
            try await fixture.waitForCompletion()
            let breakdown = try await Self.breakdown(client, fixture.campaign)
            #expect(try await fixture.count("sent") == fixture.recipients, "\(breakdown)")

            // A worker died after the carrier's 201: the row is unknown and has no sid.
            try await client.query(
                """
                UPDATE campaign_messages SET status = 'unknown', provider_message_id = NULL, claimed_by = 'dead',
                       claimed_at = sent_at
                WHERE id = (SELECT min(id) FROM campaign_messages WHERE campaign_id = \(fixture.campaign))
                """)
            try await client.query("UPDATE campaigns SET sent_count = sent_count - 1 WHERE id = \(fixture.campaign)")

            let first = try await AmplifiExecutable.run(
                ["backfill-status", "--older-than", "0s", "--limit", "50", "--rate", "200", "--json"],
                environment: environment)
            #expect(first.status == 0, "\(first)")
            let second = try await AmplifiExecutable.run(
                ["backfill-status", "--older-than", "0s", "--rate", "200", "--json"], environment: environment)
            #expect(second.status == 0, "\(second)")
            #expect(try await fixture.count("delivered") == fixture.recipients, "\(first.stdout)\n\(second.stdout)")
            #expect(try await fixture.count("unknown") == 0)
            let (sent, delivered) = try await client.query(
                "SELECT sent_count::int, delivered_count::int FROM campaigns WHERE id = \(fixture.campaign)"
            )[0].decode((Int, Int).self)
            #expect(sent == fixture.recipients)
            #expect(delivered == fixture.recipients)

            // Lookup: pending contacts resolved by the simulator's Lookup v2 answers.
            try await client.query(
                """
                INSERT INTO contacts (org_id, phone, first_name)
                SELECT \(fixture.org), '+1415555' || lpad(n::text, 4, '0'), 'L' || n FROM generate_series(1, 40) n
                """)
            let lookup = try await AmplifiExecutable.run(
                ["contacts", "lookup", "--org", fixture.org.uuidString, "--json"], environment: environment)
            #expect(lookup.status == 0, "\(lookup)")
            let rows = try await client.query(
                "SELECT phone, is_textable FROM contacts WHERE org_id = \(fixture.org) AND phone LIKE '+1415555%'"
            ).map { try $0.decode((String, Bool?).self) }
            #expect(rows.count == 40)
            for (phone, textable) in rows {
                let expected = SimulatedCarrier.simulatedLineType(PhoneNumber(trustedE164: phone)).isTextable
                #expect(textable == expected)
            }
        }
    }

    @Test func aReceiverKilledMidCampaignLosesNoStatusBackfillSettlesTheRest() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            let fixture = try await SenderCrashTests.Fixture.make(client, recipients: 1_500)
            let receiverPort = try LocalNetwork.freePort()
            var environment = TwilioFleet.environment(
                databaseURL: url, redisURL: redis.url, accountSID: Self.accountSID, authToken: Self.authToken,
                baseURL: nil, receiverPort: receiverPort)
            let (simulator, simulatorPort) = try await Self.launchSimulator(
                ["--callback-delay-ms", "20", "--latency-ms", "5"], environment: environment)
            defer { simulator.terminate() }
            environment["TWILIO_BASE_URL"] = "http://127.0.0.1:\(simulatorPort)"
            let fleet = try await TwilioFleet.launch(
                environment: environment, receiverPort: receiverPort,
                workerArguments: ["--chunk-size", "250", "--batch-size", "50", "--concurrency", "2"])
            defer { fleet.stop() }
            let receiver = try #require(fleet.receiver)

            // Kill the receiver with SIGKILL once callbacks are flowing: the callbacks it had not
            // committed were never acknowledged, and the ones posted while it is down fail.
            try await LocalNetwork.waitUntil("callbacks to be applied", timeout: 60) {
                ((try? await fixture.count("delivered")) ?? 0) >= 100
            }
            kill(receiver.processIdentifier, SIGKILL)
            receiver.waitUntilExit()
            try await fixture.waitForCompletion()
            #expect(try await fixture.count("sent") > 0, "some messages should still wait for their status")

            // Every committed callback stays applied; backfill polls the carrier for the rest once
            // the carrier itself has final statuses (its failed callbacks included).
            try await LocalNetwork.waitUntil("the carrier to finish delivering", timeout: 60) {
                guard let stats = try? await Self.stats(port: simulatorPort) else { return false }
                return stats.byStatus["delivered"] == fixture.recipients
            }
            let backfill = try await AmplifiExecutable.run(
                ["backfill-status", "--older-than", "0s", "--rate", "500", "--concurrency", "8", "--json"],
                environment: environment)
            #expect(backfill.status == 0, "\(backfill)")
            let delivered = try await fixture.count("delivered")
            let breakdown = try await Self.breakdown(client, fixture.campaign)
            #expect(delivered == fixture.recipients, "\(breakdown)")
            let counters = try await client.query(
                "SELECT sent_count::int, delivered_count::int FROM campaigns WHERE id = \(fixture.campaign)"
            )[0].decode((Int, Int).self)
            #expect(counters.0 == fixture.recipients)
            #expect(counters.1 == fixture.recipients)
            #expect(try await Self.stats(port: simulatorPort).duplicates == 0)
        }
    }
}
