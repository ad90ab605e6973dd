import AmplifiCarriers
import AmplifiEngine
import AmplifiHTTP
import AmplifiLocalServers
import AmplifiPostgres
import AmplifiReceiver
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The receiver against hostile or broken input, over real HTTP, Postgres and Redis: unsigned
/// requests, slow and stalled clients, the connection limit, load shedding, bytes Postgres refuses,
/// a batch the database refuses, and health answers that never leak a connection string.
@Suite("amplifi receiver, hardened")
struct ReceiverHardeningTests {
    typealias Fixture = ReceiverTests.Fixture

    /// A request head for `path` announcing a body of `length` bytes, with `extra` header lines.
    static func head(_ path: String, port: Int, length: Int, extra: String = "") -> String {
        "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + "Content-Length: \(length)\r\n\(extra)\r\n"
    }

    @Test func anUnsignedRequestIsRefusedBeforeItsBodyIsRead() async throws {
        try await withTestDatabase { client, _ in
            try await ReceiverHarness.with(client) { receiver in
                let connection = try RawConnection.open(port: receiver.port)
                defer { connection.close() }
                // Headers only: the announced 60 KB body is never sent, yet the answer comes.
                connection.send(Self.head("/twilio/status/1", port: receiver.port, length: 60_000))
                let answer = await connection.read(timeout: .seconds(5)) { $0.isCompleteHTTPResponse }
                #expect(answer.text.hasPrefix("HTTP/1.1 403"), "\(answer.text)")
                #expect(answer.text.contains("SIGNATURE_MISSING"))
            }
        }
    }

    @Test func slowHeadersAndStalledBodiesAreCutOff() async throws {
        try await withTestDatabase { client, _ in
            let limits = HTTPServerLimits(
                idleTimeout: .seconds(30), headerTimeout: .seconds(1), bodyTimeout: .seconds(1))
            try await ReceiverHarness.with(client, limits: limits) { receiver in
                // Half a request line, then nothing: closed once the header deadline passes.
                let slowHeaders = try RawConnection.open(port: receiver.port)
                defer { slowHeaders.close() }
                slowHeaders.send("POST /twilio/status/1 HTTP/1.1\r\nHost: x\r\n")
                let started = ContinuousClock.now
                let first = await slowHeaders.read(timeout: .seconds(10))
                #expect(first.closed)
                #expect(ContinuousClock.now - started < .seconds(5))
                // A signed head, then a trickle of body that never completes: closed at the body deadline.
                let stalled = try RawConnection.open(port: receiver.port)
                defer { stalled.close() }
                stalled.send(
                    Self.head(
                        "/twilio/status/1", port: receiver.port, length: 500, extra: "X-Twilio-Signature: abc\r\n"))
                stalled.send("MessageSid=SM1&")
                let second = await stalled.read(timeout: .seconds(10))
                #expect(second.closed)
                // The server still answers everybody else.
                #expect(try await receiver.get("/livez").status == 200)
            }
        }
    }

    @Test func connectionsBeyondTheLimitWaitUntilOneCloses() async throws {
        try await withTestDatabase { client, _ in
            let limits = HTTPServerLimits(maxConnections: 2)
            try await ReceiverHarness.with(client, limits: limits) { receiver in
                let holders = try (0..<2).map { _ in try RawConnection.open(port: receiver.port) }
                for holder in holders { holder.send("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n") }
                for holder in holders {
                    #expect(await holder.read(timeout: .seconds(5)) { $0.isCompleteHTTPResponse }.text.contains("200"))
                }
                // Both keep their connection: a third waits in the backlog, unanswered.
                let third = try RawConnection.open(port: receiver.port)
                defer { third.close() }
                third.send("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
                let waiting = await third.read(timeout: .milliseconds(700)) { $0.isCompleteHTTPResponse }
                #expect(waiting.text.isEmpty)
                holders[0].close()
                let served = await third.read(timeout: .seconds(5)) { $0.isCompleteHTTPResponse }
                #expect(served.text.hasPrefix("HTTP/1.1 200"))
                holders[1].close()
            }
        }
    }

    @Test func beyondTheInFlightLimitWebhooksAreShedWithRetryAfter() async throws {
        try await withTestDatabase { client, _ in
            try await ReceiverHarness.with(client, maxInFlight: 1) { receiver in
                // One webhook holds the only slot: its body is announced and never finishes.
                let holder = try RawConnection.open(port: receiver.port)
                defer { holder.close() }
                holder.send(
                    Self.head(
                        "/twilio/status/1", port: receiver.port, length: 100, extra: "X-Twilio-Signature: abc\r\n"))
                try await Task.sleep(for: .milliseconds(300))
                let shed = try RawConnection.open(port: receiver.port)
                defer { shed.close() }
                shed.send(
                    Self.head("/twilio/status/2", port: receiver.port, length: 0, extra: "X-Twilio-Signature: abc\r\n"))
                let answer = await shed.read(timeout: .seconds(5)) { $0.isCompleteHTTPResponse }
                #expect(answer.text.hasPrefix("HTTP/1.1 503"), "\(answer.text)")
                #expect(answer.text.lowercased().contains("retry-after: 1"))
                #expect(answer.text.contains("OVERLOADED"))
                // Health is never shed.
                #expect(try await receiver.get("/livez").status == 200)
            }
        }
    }

    @Test func nulBytesInSignedFieldsNeverDropAStopOrAStatus() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await Fixture.make(client, count: 20)
            try await ReceiverHarness.with(client) { receiver in
                let stop: [(key: String, value: String)] = [
                    ("MessageSid", "SMnul\u{0}0001"), ("AccountSid", "AC00000000000000000000000000000000"),
                    ("From", "+19196660001"), ("To", "+19195550111"), ("Body", "STOP\u{0}"), ("NumMedia", "0"),
                    ("FromCity", "\u{0}\u{0}Raleigh"),
                ]
                let stopped = try await receiver.post("/twilio/inbound", fields: stop)
                #expect(stopped.status == 200, "\(stopped.body)")
                let optedOut = try await client.query(
                    "SELECT opted_out_at IS NOT NULL FROM contacts WHERE org_id = \(fixture.org) AND phone = '+19196660001'"
                )[0].decode(Bool.self, at: 0)
                #expect(optedOut)
                // Twenty concurrent callbacks, every other one carrying NULs: all are stored.
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in fixture.ids.indices {
                        group.addTask {
                            var fields = ReceiverHarness.statusFields(sid: fixture.sid(index), status: "delivered")
                            if index % 2 == 0 { fields.append(("ErrorMessage", "bad\u{0}bytes\u{0}")) }
                            return try await receiver.post(fixture.path(index), fields: fields).status
                        }
                    }
                    for try await status in group { #expect(status == 200) }
                }
                #expect(try await fixture.counters(client).delivered == 20)
                let evidence = try await client.query(
                    "SELECT count(*)::int FROM delivery_events WHERE raw->>'ErrorMessage' = 'badbytes'")[0].decode(
                        Int.self, at: 0)
                #expect(evidence == 10)
            }
        }
    }

    @Test func aBatchTheDatabaseRefusesIsAppliedRowByRow() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await Fixture.make(client, count: 8)
            let logger = Logger(label: "batcher-test")
            let applier = DeliveryStatusApplier(client: client, logger: logger)
            // A long delay gathers every report into one batch; the poisoned one (a NUL in its sid,
            // which no text parameter can carry) makes the batch statement fail.
            let batcher = StatusReportBatcher(
                maxBatch: 100, maxDelay: .milliseconds(500), maxQueued: 1_000, logger: logger,
                isRowError: { ($0 as? PostgresError)?.isConnectionProblem == false }
            ) { events in _ = try await applier.apply(events) }
            let running = Task { try await batcher.run() }
            let outcomes = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for (index, id) in fixture.ids.enumerated() {
                    group.addTask {
                        let sid = index == 3 ? "SMtest\u{0}poison" : fixture.sid(index)
                        let event = DeliveryEvent(
                            orgID: fixture.org, messageID: id,
                            report: CarrierStatusReport(providerMessageID: sid, status: .delivered),
                            raw: [("MessageSid", sid)], source: .callback)
                        do {
                            try await batcher.submit(event)
                            return (index, "ok")
                        } catch is StatusReportBatcher.RowRefused {
                            return (index, "refused")
                        }
                    }
                }
                return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
            }
            running.cancel()
            _ = try? await running.value
            #expect(outcomes[3] == "refused")
            #expect(outcomes.values.filter { $0 == "ok" }.count == 7)
            #expect(try await fixture.counters(client).delivered == 7)
            #expect(try await fixture.row(client, 3).0 == "sent")
        }
    }

    @Test func readinessIsCachedAndNeverShowsTheConnectionString() async throws {
        let port = try LocalNetwork.freePort()
        // Nothing listens on port 1: Postgres is unreachable, and its URL carries a password.
        let client = PostgresClient(url: "postgres://amplifi:p%25ss%2Fw0rd@127.0.0.1:1/db", maxConnections: 2)
        let redis = try RedisClient(url: try await TestRedis.shared.url(), maxConnections: 2)
        let server = ReceiverServer(
            configuration: ReceiverConfiguration(
                port: port, publicURL: "http://127.0.0.1:\(port)", authToken: ReceiverHarness.authToken,
                readinessInterval: .milliseconds(200)),
            client: client, redis: redis, keys: QueueKeys(prefix: TestRedis.shared.keyPrefix()),
            carrier: SimulatedCarrier(logger: Logger(label: "test")), logger: Logger(label: "receiver-test"))
        let group = server.serviceGroup()
        let running = Task { try await group.run() }
        defer { running.cancel() }
        try await LocalNetwork.waitUntil("the receiver", timeout: 30) { LocalNetwork.isListening(port: port) }
        let harness = ReceiverHarness(
            client: client, port: port, metrics: server.metrics, carrier: SimulatedCarrier(logger: Logger(label: "t")))
        #expect(try await harness.get("/livez").status == 200)
        try await LocalNetwork.waitUntil("the probe to run", timeout: 30) {
            (try? await harness.get("/readyz"))?.body.contains("postgres") == true
        }
        for path in ["/readyz", "/healthz"] {
            let answer = try await harness.get(path)
            #expect(answer.status == 503)
            #expect(answer.body.contains("NOT_READY"))
            #expect(!answer.body.contains("redis"))
            for secret in ["p%ss/w0rd", "p%25ss%2Fw0rd", "postgres://", "127.0.0.1:1"] {
                #expect(!answer.body.contains(secret))
            }
        }
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        await redis.close()
        await client.close()
    }

    @Test func aHungCheckTimesOutAndIsNotStartedTwice() async throws {
        let starts = Atomic<Int>(0)
        let healthy = Atomic<Bool>(true)
        let probe = ReadinessProbe(
            checks: [
                DependencyCheck(name: "fast") { if !healthy.load(ordering: .relaxed) { throw CancellationError() } },
                DependencyCheck(name: "hung") {
                    starts.add(1, ordering: .relaxed)
                    try await Task.sleep(for: .seconds(30))
                },
            ],
            interval: .milliseconds(50), timeout: .milliseconds(100))
        let running = Task { try await probe.run() }
        try await LocalNetwork.waitUntil("a probe round", timeout: 10) { probe.snapshot.probed }
        #expect(probe.snapshot.failing == ["hung"])
        healthy.store(false, ordering: .relaxed)
        try await LocalNetwork.waitUntil("the failure seen", timeout: 10) { probe.snapshot.failing.contains("fast") }
        #expect(starts.load(ordering: .relaxed) == 1)
        running.cancel()
        _ = try? await running.value
    }
}
