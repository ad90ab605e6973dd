import AmplifiLocalServers
import AmplifiPostgres
import AmplifiTestSupport
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The admin ports of real `amplifi worker` and `amplifi scheduler` processes: `/readyz` answers,
/// `/metrics` carries the process series and the engine's counters move as a campaign is sent,
/// logs are JSON lines when asked, and SIGTERM ends each role within its drain bound.
@Suite("Admin ports of the long-running roles (the real executable)")
struct AdminPortTests {
    /// The body and status of `GET http://127.0.0.1:port/path`.
    static func get(port: Int, _ path: String) async throws -> (Int, String) {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 4 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// The value of the sample `series` (name and labels exactly as rendered) in a `/metrics` body.
    static func sample(_ series: String, in body: String) -> Double? {
        body.split(separator: "\n").lazy.compactMap { line -> Double? in
            guard line.hasPrefix(series + " ") else { return nil }
            return Double(line.dropFirst(series.count + 1))
        }.first
    }

    @Test func workerAndSchedulerServeMetricsAndReadinessWhileACampaignIsSent() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            let fixture = try await SenderCrashTests.Fixture.make(client, recipients: 300)
            let workerPort = try LocalNetwork.freePort()
            let schedulerPort = try LocalNetwork.freePort()
            let environment = [
                "AMPLIFI_DATABASE_URL": url, "AMPLIFI_REDIS_URL": redis.url, "AMPLIFI_LOG_FORMAT": "json",
            ]
            let logs = FileManager.default.temporaryDirectory.appendingPathComponent("admin-ports-\(UUID())")
            try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
            let worker = try AmplifiExecutable.launch(
                ["worker", "--chunk-size", "100", "--admin-port", "\(workerPort)"], environment: environment,
                logTo: logs.appendingPathComponent("worker.log"))
            defer { worker.terminate() }
            try await LocalNetwork.waitUntil("the worker's admin port", timeout: 30) {
                LocalNetwork.isListening(port: workerPort)
            }
            let (ready, _) = try await Self.get(port: workerPort, "/readyz")
            #expect(ready == 200)
            let (live, _) = try await Self.get(port: workerPort, "/livez")
            #expect(live == 200)

            let scheduler = try AmplifiExecutable.launch(
                ["scheduler", "--tick-milliseconds", "100", "--admin-port", "\(schedulerPort)"],
                environment: environment, logTo: logs.appendingPathComponent("scheduler.log"))
            defer { scheduler.terminate() }
            try await fixture.waitForCompletion()

            let (status, metrics) = try await Self.get(port: workerPort, "/metrics")
            #expect(status == 200)
            let sent = Self.sample(#"amplifi_messages_total{outcome="sent"}"#, in: metrics) ?? 0
            #expect(sent == Double(fixture.recipients), "\(metrics)")
            #expect((Self.sample("amplifi_planned_rows_total", in: metrics) ?? 0) == Double(fixture.recipients))
            #expect((Self.sample("amplifi_claims_total", in: metrics) ?? 0) > 0)
            #expect((Self.sample("process_resident_memory_bytes", in: metrics) ?? 0) > 1_000_000)
            #expect(Self.sample("process_cpu_seconds_total", in: metrics) != nil)
            #expect(!metrics.contains("+1"), "no phone number in a label")

            let (schedulerStatus, schedulerMetrics) = try await Self.get(port: schedulerPort, "/metrics")
            #expect(schedulerStatus == 200)
            #expect(Self.sample("process_open_fds", in: schedulerMetrics) != nil)
            // The fleet gauges, from the scheduler's reconcile ticks: the campaign is done, nothing waits.
            try await LocalNetwork.waitUntil("the scheduler's gauges to see the campaign completed", timeout: 30) {
                let body = (try? await Self.get(port: schedulerPort, "/metrics"))?.1 ?? ""
                return Self.sample(#"amplifi_campaigns{status="completed"}"#, in: body) == 1
            }
            let gauges = try await Self.get(port: schedulerPort, "/metrics").1
            #expect(Self.sample("amplifi_chunk_queue_depth", in: gauges) == 0)
            #expect(Self.sample(#"amplifi_messages_unfinished{status="pending"}"#, in: gauges) == 0)

            // SIGTERM: each role drains and exits well within its 20 s bound.
            for (name, process) in [("worker", worker), ("scheduler", scheduler)] {
                let start = ContinuousClock.now
                process.terminate()
                try await LocalNetwork.waitUntil("the \(name) to exit", timeout: 25) { !process.isRunning }
                #expect(ContinuousClock.now - start < .seconds(21), "\(name)")
            }
            // JSON lines, the first one the startup line naming the role and version.
            let log = try String(contentsOf: logs.appendingPathComponent("worker.log"), encoding: .utf8)
            let first = try #require(log.split(separator: "\n").first)
            let line = try #require(
                try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any], "\(first)")
            #expect(line["message"] as? String == "starting")
            #expect(line["role"] as? String == "worker")
        }
    }

    @Test func aWorkerWithoutACarrierIsRefused() async throws {
        let output = try await AmplifiExecutable.run(
            ["worker", "--database-url", "postgres://127.0.0.1:1/none", "--redis-url", "redis://127.0.0.1:1/0"],
            environment: ["AMPLIFI_CARRIER": ""])
        #expect(output.status != 0)
        #expect(output.stderr.contains("AMPLIFI_CARRIER"), "\(output)")
    }
}

/// `amplifi org credits add` and `amplifi org billing`: the operator's way to unblock a campaign
/// paused for `insufficient_credits`.
@Suite("Credits and billing from the CLI (the real executable)")
struct OrgCreditsCommandTests {
    @Test func creditsGoThroughTheLedgerAndBillingSwitches() async throws {
        try await withTestDatabase(maxConnections: 2) { client, url in
            let environment = ["AMPLIFI_DATABASE_URL": url]
            let created = try await AmplifiExecutable.run(["org", "create", "--name", "Ops"], environment: environment)
            let org = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let added = try await AmplifiExecutable.run(
                ["org", "credits", "add", org, "250", "--reason", "invoice 42"], environment: environment)
            #expect(added.status == 0, "\(added)")
            #expect(added.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "250")
            let (balance, ledger, reason) = try await client.query(
                """
                SELECT o.credit_balance, (SELECT sum(amount) FROM credit_ledger WHERE org_id = o.id)::bigint,
                       (SELECT reason FROM credit_ledger WHERE org_id = o.id ORDER BY id DESC LIMIT 1)
                FROM organizations o WHERE o.name = 'Ops'
                """)[0].decode((Int64, Int64, String).self)
            #expect(balance == 250 && ledger == 250 && reason == "invoice 42")

            let refused = try await AmplifiExecutable.run(
                ["org", "credits", "add", org, "0", "--reason", "x"], environment: environment)
            #expect(refused.status != 0 && refused.stderr.contains("VALIDATION_FAILED"), "\(refused)")

            let off = try await AmplifiExecutable.run(["org", "billing", org, "off"], environment: environment)
            #expect(off.status == 0 && off.stdout.contains("inactive"), "\(off)")
            let active = try await client.query("SELECT billing_active FROM organizations WHERE name = 'Ops'")[0]
                .decode(Bool.self, at: 0)
            #expect(!active)
        }
    }
}
