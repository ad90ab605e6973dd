import AmplifiCarriers
import AmplifiLocalServers
import AmplifiPostgres
import AmplifiTestSupport
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The guarantees on a carrier that behaves like a real one: real `amplifi` receiver, scheduler and
/// worker processes, real Postgres and Redis, and `Tests/Fixtures/twilio_stub.py` (a Twilio-compatible
/// server written independently) answering late, dropping connections after creating the message,
/// answering garbage, throttling with 429s, and posting callbacks early, twice, shuffled or never.
/// Every recipient must be texted exactly once at the carrier, no row may be left open or unknown,
/// and the books must balance with what the carrier accepted.
@Suite("Sends on a misbehaving carrier: each recipient once, nothing lost, books balanced", .serialized)
struct MisbehavingCarrierTests {
    typealias Fixture = SenderCrashTests.Fixture

    /// A running fleet against the stub: receiver, scheduler, and named workers; logs in files.
    final class Fleet {
        let environment: [String: String]
        let logs: URL
        var processes: [String: Process] = [:]

        /// The receiver's public URL (where the carrier posts).
        var publicURL: String { environment["AMPLIFI_PUBLIC_URL"] ?? "" }

        init(environment: [String: String], logs: URL) {
            self.environment = environment
            self.logs = logs
        }

        /// Starts `amplifi arguments…` as `name` (its output in `<logs>/<name>.log`).
        @discardableResult
        func launch(_ name: String, _ arguments: [String]) throws -> Process {
            let process = try AmplifiExecutable.launch(
                arguments, environment: environment, logTo: logs.appendingPathComponent("\(name).log"))
            processes[name] = process
            return process
        }

        /// Stops every process still running.
        func stop() {
            for process in processes.values where process.isRunning { process.terminate() }
            for process in processes.values { process.waitUntilExit() }
        }
    }

    /// Starts a receiver, a scheduler (default claim lease unless `schedulerArguments` say otherwise)
    /// and `workers` workers against `stub`.
    static func fleet(
        databaseURL: String, redisURL: String, stub: TwilioStub, workers: [String], workerArguments: [String],
        schedulerArguments: [String] = []
    ) async throws -> Fleet {
        let receiverPort = try LocalNetwork.freePort()
        let environment = TwilioFleet.environment(
            databaseURL: databaseURL, redisURL: redisURL, accountSID: TwilioStub.accountSID,
            authToken: TwilioStub.authToken, baseURL: stub.baseURL, receiverPort: receiverPort)
        let fleet = Fleet(environment: environment, logs: stub.directory)
        try fleet.launch("receiver", ["receiver", "--port", "\(receiverPort)"])
        try await LocalNetwork.waitUntil("the receiver", timeout: 30) { LocalNetwork.isListening(port: receiverPort) }
        try fleet.launch(
            "scheduler", ["scheduler", "--tick-milliseconds", "100", "--reconcile-every", "10"] + schedulerArguments)
        for name in workers {
            try fleet.launch(name, ["worker", "--worker-id", name] + workerArguments)
        }
        return fleet
    }

    /// Each recipient created exactly once at the carrier; no row open or unknown; every row sent
    /// (the carrier has it) and the books balanced: the campaign's credits = the ledger's net =
    /// Σ row credits = one credit per message the carrier created, balance = ledger.
    static func expectEachRecipientOnceAndBooksBalanced(_ fixture: Fixture, stub: TwilioStub) async throws {
        let creates = try stub.creates()
        let perRecipient = Dictionary(grouping: creates, by: \.to).mapValues(\.count)
        #expect(perRecipient.count == fixture.recipients, "recipients texted: \(perRecipient.count)")
        let twice = perRecipient.filter { $0.value > 1 }
        #expect(twice.isEmpty, "texted more than once: \(twice.count)")
        let client = fixture.client
        let open = try await client.query(
            """
            SELECT count(*) FILTER (WHERE status IN ('pending', 'sending', 'deferred', 'held', 'unknown'))::int,
                   count(*) FILTER (WHERE status IN ('sent', 'delivered', 'undelivered'))::int,
                   coalesce(sum(credits), 0)::bigint
            FROM campaign_messages WHERE campaign_id = \(fixture.campaign)
            """)[0].decode((Int, Int, Int64).self)
        #expect(open.0 == 0, "rows left open or unknown: \(open.0)")
        #expect(open.1 == fixture.recipients)
        #expect(open.2 == Int64(creates.count))
        let (balance, ledger, used, net) = try await client.query(
            """
            SELECT o.credit_balance, (SELECT sum(amount) FROM credit_ledger WHERE org_id = o.id)::bigint,
                   c.credits_used,
                   (SELECT coalesce(-sum(amount), 0) FROM credit_ledger
                    WHERE org_id = o.id AND campaign_id = c.id AND kind IN ('debit', 'refund'))::bigint
            FROM organizations o JOIN campaigns c ON c.org_id = o.id
            WHERE o.id = \(fixture.org) AND c.id = \(fixture.campaign)
            """)[0].decode((Int64, Int64, Int64, Int64).self)
        #expect(balance == ledger)
        #expect(used == net)
        #expect(used == Int64(creates.count))
    }

    @Test func lateAnswersDroppedConnectionsAndGarbageNeverTextAnyoneTwice() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            let fixture = try await Fixture.make(client, recipients: 300)
            let stub = try await TwilioStub.start([
                "--seed", "7", "--latency-ms", "100-300", "--late-rate", "0.05", "--late-seconds", "4",
                "--drop-rate", "0.05", "--garbage-rate", "0.03", "--throttle-rate", "0.03", "--retry-after", "1",
                "--callback-dup-rate", "0.1", "--callback-drop-rate", "0.1", "--callback-shuffle", "--callback-early",
            ])
            defer { stub.stop() }
            let fleet = try await Self.fleet(
                databaseURL: url, redisURL: redis.url, stub: stub, workers: ["w1", "w2"],
                workerArguments: [
                    "--chunk-size", "100", "--batch-size", "25", "--concurrency", "2", "--carrier-timeout-seconds", "1",
                    "--settle-after-seconds", "10",
                ])
            defer { fleet.stop() }
            try await fixture.waitForCompletion(timeout: 180)
            // The faults really happened: messages created whose answer was late, cut off or garbage
            // (their rows were settled by an early callback or by listing the carrier), and 429s.
            let modes = Dictionary(grouping: try stub.lines().compactMap(\.mode), by: { $0 }).mapValues(\.count)
            #expect((modes["late"] ?? 0) > 0 && (modes["drop"] ?? 0) > 0 && (modes["garbage"] ?? 0) > 0)
            #expect(try stub.lines().contains { $0.throttled == true })
            print(
                "misbehaving carrier: answers late \(modes["late"] ?? 0), dropped \(modes["drop"] ?? 0), garbage \(modes["garbage"] ?? 0), 429s \(try stub.lines().filter { $0.throttled == true }.count)"
            )
            // The cron backfill then settles callbacks the carrier never posted.
            let backfill = try await AmplifiExecutable.run(
                ["backfill-status", "--older-than", "0s", "--rate", "500"], environment: fleet.environment)
            #expect(backfill.status == 0, "\(backfill)")
            try await Self.expectEachRecipientOnceAndBooksBalanced(fixture, stub: stub)
        }
    }

    @Test func aOneMessagePerSecondNumberIsPacedAcrossThreeWorkers() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            let fixture = try await Fixture.make(client, recipients: 150)
            try await client.query("UPDATE phone_numbers SET mps = 1, kind = 'long_code' WHERE org_id = \(fixture.org)")
            let stub = try await TwilioStub.start(["--seed", "11", "--latency-ms", "100-300"])
            defer { stub.stop() }
            // Default sender settings (batch size 100, two loops each), a small chunk size so all
            // three workers hold chunks of the campaign at once.
            let fleet = try await Self.fleet(
                databaseURL: url, redisURL: redis.url, stub: stub, workers: ["w1", "w2", "w3"],
                workerArguments: ["--chunk-size", "25"])
            defer { fleet.stop() }
            try await fixture.waitForCompletion(timeout: 400)
            let times = try stub.creates().map(\.t).sorted()
            #expect(times.count == fixture.recipients)
            // ≤ 1 msg/s on average, and no 10 s window above its budget (10) plus the burst (1).
            let span = (times.last ?? 0) - (times.first ?? 0)
            #expect(Double(times.count - 2) <= span, "\(times.count) messages in \(span) s")
            var busiest = 0
            for (index, start) in times.enumerated() {
                busiest = max(busiest, times[index...].prefix { $0 - start < 10 }.count)
            }
            #expect(busiest <= 11, "\(busiest) messages within 10 s")
            print("1 msg/s number: \(times.count) messages in \(span) s, at most \(busiest) in any 10 s")
            // Nothing was swept to unknown or settled: every claim was short.
            let settled = try await client.query(
                "SELECT count(*)::int FROM delivery_events WHERE org_id = \(fixture.org) AND source = 'backfill'"
            )[0].decode(Int.self, at: 0)
            #expect(settled == 0)
            try await Self.expectEachRecipientOnceAndBooksBalanced(fixture, stub: stub)
        }
    }

    /// Posts a signed inbound `STOP` from `phone` to the receiver, as the carrier would; returns
    /// when the receiver acknowledged it (200).
    static func postStop(from phone: String, to sender: String, fleet: Fleet, index: Int) async throws {
        let url = fleet.publicURL + "/twilio/inbound"
        let fields: [(key: String, value: String)] = [
            ("MessageSid", "SMstop\(index)"), ("AccountSid", TwilioStub.accountSID), ("From", phone), ("To", sender),
            ("Body", "STOP"), ("NumMedia", "0"), ("SmsStatus", "received"), ("ApiVersion", "2010-04-01"),
        ]
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(
            name: "X-Twilio-Signature",
            value: TwilioSignature(authToken: TwilioStub.authToken).signature(url: url, parameters: fields))
        request.body = .bytes(.init(string: FormURLEncoding.encode(fields)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 16)
        #expect(response.status.code == 200)
    }

    @Test func aStopAcknowledgedDuringTheSendWinsOverTheQueuedMessage() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            let fixture = try await Fixture.make(client, recipients: 300)
            try await client.query("UPDATE phone_numbers SET mps = 5 WHERE org_id = \(fixture.org)")
            let stub = try await TwilioStub.start(["--seed", "3", "--latency-ms", "100-300"])
            defer { stub.stop() }
            let fleet = try await Self.fleet(
                databaseURL: url, redisURL: redis.url, stub: stub, workers: ["w1", "w2"],
                workerArguments: ["--chunk-size", "100"])
            defer { fleet.stop() }
            try await LocalNetwork.waitUntil("sending to start", timeout: 60) {
                let texted = try? await client.query(
                    """
                    SELECT count(*)::int FROM campaign_messages
                    WHERE campaign_id = \(fixture.campaign) AND status IN ('sent', 'delivered')
                    """)[0].decode(Int.self, at: 0)
                return (texted ?? 0) >= 20
            }
            // 25 recipients not texted yet send STOP while the campaign is sending.
            let pending = try await client.query(
                """
                SELECT phone FROM campaign_messages WHERE campaign_id = \(fixture.campaign) AND status = 'pending'
                ORDER BY id OFFSET 5 LIMIT 100
                """
            ).map { try $0.decode(String.self, at: 0) }
            var acknowledged: [String: Double] = [:]
            for (index, phone) in pending.enumerated() where index % 4 == 0 && acknowledged.count < 25 {
                try await Self.postStop(from: phone, to: "+19195550123", fleet: fleet, index: index)
                acknowledged[phone] = Date().timeIntervalSince1970
                try await Task.sleep(for: .milliseconds(150))
            }
            #expect(acknowledged.count == 25)
            try await fixture.waitForCompletion(timeout: 180)
            // No STOP lost to a message sent after it: a message may only beat a STOP stored within the
            // last re-check interval (0.5 s) before it left, plus the carrier's own latency.
            let created = Dictionary(try stub.creates().map { ($0.to, $0.t) }, uniquingKeysWith: min)
            let textedAfter = acknowledged.filter { phone, ack in (created[phone] ?? 0) > ack }
            let late = textedAfter.filter { phone, ack in (created[phone] ?? 0) > ack + 1.0 }
            #expect(late.isEmpty, "texted more than 1 s after their STOP was acknowledged: \(late.count)")
            let worst = textedAfter.map { (created[$0.key] ?? 0) - $0.value }.max() ?? 0
            print(
                "STOP race: \(textedAfter.count) of \(acknowledged.count) texted after the STOP was acknowledged, at most \(worst) s after"
            )
            let skipped = try await client.query(
                """
                SELECT count(*)::int FROM campaign_messages
                WHERE campaign_id = \(fixture.campaign) AND status = 'skipped' AND skip_reason = 'opted_out'
                """)[0].decode(Int.self, at: 0)
            // Everyone who stopped and was not texted is skipped as opted out (and nobody else is).
            let notTexted = acknowledged.keys.filter { created[$0] == nil }
            #expect(skipped == notTexted.count)
            #expect(skipped >= 20, "only \(skipped) of 25 STOPs won")
        }
    }

    @Test func workersTerminatedAndKilledWhileRedisRestartsLoseNothingAndSendNothingTwice() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            let fixture = try await Fixture.make(client, recipients: 400)
            try await client.query("UPDATE phone_numbers SET mps = 40 WHERE org_id = \(fixture.org)")
            let stub = try await TwilioStub.start([
                "--seed", "5", "--latency-ms", "100-300", "--late-rate", "0.02", "--late-seconds", "3",
                "--drop-rate", "0.02",
            ])
            defer { stub.stop() }
            let arguments = [
                "--chunk-size", "50", "--concurrency", "2", "--carrier-timeout-seconds", "1",
                "--settle-after-seconds", "10", "--lease-seconds", "5", "--drain-seconds", "10",
            ]
            let fleet = try await Self.fleet(
                databaseURL: url, redisURL: redis.url, stub: stub, workers: ["term", "kill", "keep"],
                workerArguments: arguments, schedulerArguments: ["--claim-lease-seconds", "20"])
            defer { fleet.stop() }
            try await LocalNetwork.waitUntil("sending to start", timeout: 60) {
                ((try? await fixture.count("sent")) ?? 0) >= 60
            }
            // A rollout's SIGTERM, a crash's SIGKILL, and Redis losing everything, at once.
            let terminated = try #require(fleet.processes["term"])
            let killed = try #require(fleet.processes["kill"])
            let stopAsked = Date()
            kill(terminated.processIdentifier, SIGTERM)
            kill(killed.processIdentifier, SIGKILL)
            try await redis.restart()
            try await LocalNetwork.waitUntil("the terminated worker to exit", timeout: 30) { !terminated.isRunning }
            let drained = Date().timeIntervalSince(stopAsked)
            #expect(drained < 15, "the SIGTERMed worker took \(drained) s to exit")
            print("SIGTERMed worker exited after \(drained) s")
            #expect(try await fixture.count("sent") < fixture.recipients, "the campaign finished before the faults")
            // The terminated worker put back what it had claimed: none of its rows is left in flight
            // (rows it recorded `unknown` because the carrier's answer was lost are the carrier's doing).
            let leftByTerm = try await client.query(
                """
                SELECT count(*)::int FROM campaign_messages
                WHERE campaign_id = \(fixture.campaign) AND claimed_by LIKE 'term%'
                  AND (status = 'sending' OR (status = 'unknown' AND coalesce(error_code, '') NOT IN
                       ('response_timeout', 'connection_lost', 'invalid_response')))
                """)[0].decode(Int.self, at: 0)
            #expect(leftByTerm == 0)
            try fleet.launch("replacement", ["worker", "--worker-id", "replacement"] + arguments)
            try await fixture.waitForCompletion(timeout: 240)
            try await Self.expectEachRecipientOnceAndBooksBalanced(fixture, stub: stub)
        }
    }
}
