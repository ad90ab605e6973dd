import AmplifiLocalServers
import AmplifiObservability
import AmplifiPostgres
import AmplifiTestSupport
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The admin ports of real `amplifi worker`, `scheduler`, `receiver` and `lookup` processes: `/readyz`
/// answers, `/metrics` carries the process series and the engine's counters move as a campaign is
/// sent, every metric the dashboard and the alert rules in deploy/ query is exported by one of them,
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

    /// The metric families a `/metrics` body declares (`# TYPE name kind`).
    static func families(in body: String) -> Set<String> {
        Set(
            body.split(separator: "\n").compactMap { line in
                let words = line.split(separator: " ")
                return words.count == 4 && words[0] == "#" && words[1] == "TYPE" ? String(words[2]) : nil
            })
    }

    /// The metric names deploy/'s dashboard and alert rules query (`scripts/check-manifests.py --metric-names`).
    static func namesQueriedByDeploy() async throws -> Set<String> {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let (status, output) = try ChildProcess.run(
            executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: ["python3", root.appendingPathComponent("scripts/check-manifests.py").path, "--metric-names"],
            includingErrors: false)
        #expect(status == 0)
        return Set(output.split(separator: "\n").map(String.init))
    }

    @Test func everyRoleServesMetricsAndReadinessWhileACampaignIsSent() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            let fixture = try await SenderCrashTests.Fixture.make(client, recipients: 300)
            // 100 messages a second: the send takes about three seconds, long enough to watch it move.
            try await client.query("UPDATE phone_numbers SET mps = 100 WHERE org_id = \(fixture.org)")
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
            // Ready once the first background probe of Postgres and Redis has answered.
            try await LocalNetwork.waitUntil("the worker to be ready", timeout: 30) {
                (try? await Self.get(port: workerPort, "/readyz"))?.0 == 200
            }
            let (live, _) = try await Self.get(port: workerPort, "/livez")
            #expect(live == 200)

            let scheduler = try AmplifiExecutable.launch(
                ["scheduler", "--tick-milliseconds", "100", "--admin-port", "\(schedulerPort)"],
                environment: environment, logTo: logs.appendingPathComponent("scheduler.log"))
            defer { scheduler.terminate() }
            let receiverAdminPort = try LocalNetwork.freePort()
            let receiverPort = try LocalNetwork.freePort()
            let receiver = try AmplifiExecutable.launch(
                ["receiver", "--port", "\(receiverPort)", "--admin-port", "\(receiverAdminPort)"],
                environment: environment.merging(["TWILIO_AUTH_TOKEN": "admin-port-test-token"]) { $1 },
                logTo: logs.appendingPathComponent("receiver.log"))
            defer { receiver.terminate() }
            // Lookup-pending contacts of another organization, for the background lookup role.
            let lookupOrg = try await client.query(
                "INSERT INTO organizations (name) VALUES ('lookups') RETURNING id")[0].decode(UUID.self, at: 0)
            try await client.query(
                """
                INSERT INTO contacts (org_id, phone)
                SELECT \(lookupOrg), '+1720' || lpad(g::text, 7, '0') FROM generate_series(1, 20) g
                """)
            let lookupAdminPort = try LocalNetwork.freePort()
            let lookup = try AmplifiExecutable.launch(
                ["lookup", "--rate", "200", "--admin-port", "\(lookupAdminPort)"], environment: environment,
                logTo: logs.appendingPathComponent("lookup.log"))
            defer { lookup.terminate() }
            // The worker's series move while the campaign is sent, not only once it is done.
            try await LocalNetwork.waitUntil("the sent count to move mid-campaign", timeout: 60) {
                let body = (try? await Self.get(port: workerPort, "/metrics"))?.1 ?? ""
                let sent = Self.sample(#"amplifi_messages_total{outcome="sent"}"#, in: body) ?? 0
                return sent > 0 && sent < Double(fixture.recipients)
            }
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

            try await LocalNetwork.waitUntil("the scheduler to be ready", timeout: 30) {
                (try? await Self.get(port: schedulerPort, "/readyz"))?.0 == 200
            }
            #expect(try await Self.get(port: schedulerPort, "/livez").0 == 200)
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
            #expect(Self.sample("amplifi_admission_lag_seconds", in: gauges) == 0)
            // A running campaign's progress is published while it runs, and removed once it ends.
            let paused = try await client.query(
                """
                INSERT INTO campaigns (org_id, name, message, contact_filter, status, status_reason, timezone,
                                       audience_count, sent_count)
                VALUES (\(fixture.org), 'progress', 'Hi', '{}'::jsonb, 'paused', 'ops', 'UTC', 40, 15) RETURNING id
                """)[0].decode(UUID.self, at: 0).uuidString.lowercased()
            func progress(_ state: String) async -> Double? {
                let body = (try? await Self.get(port: schedulerPort, "/metrics"))?.1 ?? ""
                let line = body.split(separator: "\n").first {
                    $0.hasPrefix("amplifi_campaign_messages{") && $0.contains("campaign_id=\"\(paused)\"")
                        && $0.contains("state=\"\(state)\"")
                }
                return line.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            try await LocalNetwork.waitUntil("the paused campaign's progress", timeout: 30) {
                await progress("audience") == 40
            }
            #expect(await progress("sent") == 15)
            try await client.query("UPDATE campaigns SET status = 'canceled' WHERE id = \(UUID(uuidString: paused)!)")
            try await LocalNetwork.waitUntil("the canceled campaign's series to go", timeout: 30) {
                await progress("audience") == nil
            }

            // The background lookup resolved the other organization's contacts.
            try await LocalNetwork.waitUntil("the lookup role to resolve the pending contacts", timeout: 30) {
                let pending = try? await client.query(
                    "SELECT count(*) FROM contacts WHERE org_id = \(lookupOrg) AND is_textable IS NULL")[0].decode(
                        Int.self, at: 0)
                return pending == 0
            }
            let lookupMetrics = try await Self.get(port: lookupAdminPort, "/metrics").1
            let resolved =
                (Self.sample(#"amplifi_lookups_total{outcome="textable"}"#, in: lookupMetrics) ?? 0)
                + (Self.sample(#"amplifi_lookups_total{outcome="not_textable"}"#, in: lookupMetrics) ?? 0)
            #expect(resolved == 20, "\(lookupMetrics)")
            try await LocalNetwork.waitUntil("the receiver to be ready", timeout: 30) {
                (try? await Self.get(port: receiverAdminPort, "/readyz"))?.0 == 200
            }
            // An unsigned status callback is refused, and the receiver's series say so.
            var unsigned = HTTPClientRequest(url: "http://127.0.0.1:\(receiverPort)/twilio/status/1")
            unsigned.method = .POST
            unsigned.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            unsigned.body = .bytes(ByteBuffer(string: "MessageSid=SM1&MessageStatus=delivered"))
            let refused = try await HTTPClient.shared.execute(unsigned, timeout: .seconds(10))
            #expect(refused.status.code == 403)
            let receiverMetrics = try await Self.get(port: receiverAdminPort, "/metrics").1
            #expect(Self.sample(#"amplifi_receiver_rejected_total{reason="signature"}"#, in: receiverMetrics) == 1)
            #expect(
                Self.sample(#"amplifi_http_responses_total{server="public",class="4xx"}"#, in: receiverMetrics) == 1,
                "\(receiverMetrics)")

            // Every metric deploy/ queries is exported by a running role, except the two that appear with
            // their first event (a carrier error code, a sender number that had to wait for its rate) and
            // the per-campaign progress, there only while a campaign runs (checked above).
            var exported = Set<String>()
            for port in [workerPort, schedulerPort, receiverAdminPort, lookupAdminPort] {
                exported.formUnion(Self.families(in: try await Self.get(port: port, "/metrics").1))
            }
            let appearOnFirstEvent: Set = [
                "amplifi_carrier_errors_total", "amplifi_sender_rate_wait_seconds_total", "amplifi_campaign_messages",
            ]
            let missing = try await Self.namesQueriedByDeploy().subtracting(exported).subtracting(appearOnFirstEvent)
            #expect(missing.isEmpty, "queried in deploy/ but exported by no role: \(missing.sorted())")
            #expect(exported.contains("amplifi_pool_wait_seconds") && exported.contains("amplifi_http_responses_total"))

            // SIGTERM: each role drains and exits well within its 20 s bound.
            for (name, process) in [
                ("worker", worker), ("scheduler", scheduler), ("receiver", receiver), ("lookup", lookup),
            ] {
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

    @Test(arguments: [["worker", "--carrier", "sim"], ["receiver", "--port", "1", "--allow-demo-token"]])
    func aMalformedPublicURLIsRefusedAtStartup(role: [String]) async throws {
        for url in ["hooks.example.org", "ftp://hooks.example.org", "https://hooks.example.org/?x=1"] {
            let output = try await AmplifiExecutable.run(
                role + ["--database-url", "postgres://127.0.0.1:1/none", "--redis-url", "redis://127.0.0.1:1/0"],
                environment: ["AMPLIFI_PUBLIC_URL": url, "TWILIO_AUTH_TOKEN": "test-token"])
            #expect(output.status != 0, "\(url): \(output)")
            #expect(output.stderr.contains("is not an http(s) base URL"), "\(url): \(output)")
        }
    }

    /// Twilio without a public URL sends, but no status callback ever comes: the worker says so loudly,
    /// in the JSON log format the deployment asks for.
    @Test func aTwilioWorkerWithoutAPublicURLWarns() async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("worker-\(UUID()).log")
        let worker = try AmplifiExecutable.launch(
            ["worker", "--database-url", "postgres://127.0.0.1:1/none", "--redis-url", "redis://127.0.0.1:1/0"],
            environment: [
                "AMPLIFI_CARRIER": "twilio", "AMPLIFI_PUBLIC_URL": "", "AMPLIFI_LOG_FORMAT": "json",
                "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000000", "TWILIO_AUTH_TOKEN": "test-token",
                "TWILIO_BASE_URL": "http://127.0.0.1:1",
            ], logTo: log)
        defer { worker.terminate() }
        try await LocalNetwork.waitUntil("the warning", timeout: 60) {
            ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("no AMPLIFI_PUBLIC_URL")
        }
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        let warning = try #require(lines.first { $0.contains("no AMPLIFI_PUBLIC_URL") })
        let object = try JSONSerialization.jsonObject(with: Data(warning.utf8)) as? [String: Any]
        #expect(object?["level"] as? String == "warning", "\(warning)")
        let startup = try #require(lines.first { $0.contains("\"starting\"") })
        #expect(startup.contains("http://127.0.0.1:1"), "the carrier endpoint is on the startup line: \(startup)")
    }

    /// One-shot commands (the CronJob's backfill, the init container's migrate) log in the format asked
    /// for, on standard error, so `--json` output on standard output stays parseable.
    @Test func oneShotCommandsLogInTheConfiguredFormat() async throws {
        let output = try await AmplifiExecutable.run(
            ["backfill-status", "--database-url", "postgres://127.0.0.1:1/none"],
            environment: ["AMPLIFI_LOG_FORMAT": "json", "AMPLIFI_LOG_LEVEL": "debug"])
        #expect(output.status != 0)
        #expect(!output.stdout.contains("{\"timestamp\""), "\(output)")
        let bad = try await AmplifiExecutable.run(["migrate"], environment: ["AMPLIFI_LOG_FORMAT": "yaml"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("AMPLIFI_LOG_FORMAT=yaml is not known: use one of text, json"), "\(bad)")
    }

    /// `--version` names the release and the build baked in at build time (git describe here).
    @Test func theVersionNamesTheBuild() async throws {
        let output = try await AmplifiExecutable.run(["--version"])
        #expect(output.status == 0)
        let version = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.hasPrefix(AmplifiVersion.release + " ("), "\(version)")
        #expect(version == AmplifiVersion.description, "the binary and the library agree: \(version)")
        #expect(AmplifiVersion.build != "unknown", "a git checkout stamps its commit: \(version)")
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

            let kept = try await AmplifiExecutable.run(["org", "retention", org, "30"], environment: environment)
            #expect(kept.status == 0 && kept.stdout.contains("for 30 days"), "\(kept)")
            let forGood = try await AmplifiExecutable.run(["org", "retention", org, "off"], environment: environment)
            let tooLong = try await AmplifiExecutable.run(["org", "retention", org, "40000"], environment: environment)
            #expect(forGood.status == 0 && tooLong.status != 0 && tooLong.stderr.contains("36500"), "\(tooLong)")
            let retention = try await client.query(
                "SELECT message_retention_days FROM organizations WHERE name = 'Ops'")[0].decode(Int?.self, at: 0)
            #expect(retention == nil)

            let off = try await AmplifiExecutable.run(["org", "billing", org, "off"], environment: environment)
            #expect(off.status == 0 && off.stdout.contains("inactive"), "\(off)")
            let active = try await client.query("SELECT billing_active FROM organizations WHERE name = 'Ops'")[0]
                .decode(Bool.self, at: 0)
            #expect(!active)
        }
    }

    /// A campaign paused for want of credits names the commands that unblock it in `campaign show`.
    @Test func campaignShowNamesTheCommandsThatUnblockACreditPause() async throws {
        try await withTestDatabase(maxConnections: 2) { client, url in
            let fixture = try await SenderCrashTests.Fixture.make(client, recipients: 1)
            try await client.query(
                """
                UPDATE campaigns SET status = 'paused', status_reason = 'insufficient_credits'
                WHERE id = \(fixture.campaign)
                """)
            let shown = try await AmplifiExecutable.run(
                ["campaign", "show", fixture.campaign.uuidString.lowercased()],
                environment: ["AMPLIFI_DATABASE_URL": url])
            #expect(shown.status == 0, "\(shown)")
            #expect(shown.stdout.contains("paused (insufficient_credits)"), "\(shown)")
            #expect(
                shown.stdout.contains(
                    "To resume:    amplifi org credits add \(fixture.org.uuidString.lowercased()) N --reason R"),
                "\(shown)")
        }
    }
}

/// `amplifi backfill-status` as a CronJob runs it: SIGTERM stops it at the end of a page, with its
/// report printed and the rest left for the next run.
@Suite("Status backfill stops on SIGTERM (the real executable)")
struct BackfillStatusSignalTests {
    @Test func sigtermEndsTheRunAtAPageBoundaryWithItsReport() async throws {
        try await withTestDatabase(maxConnections: 2) { client, url in
            let fixture = try await SenderCrashTests.Fixture.make(client, recipients: 400)
            try await client.query(
                """
                INSERT INTO campaign_messages (org_id, campaign_id, contact_id, phone, status, sent_at,
                                               provider_message_id, claimed_by, claimed_at)
                SELECT org_id, \(fixture.campaign), id, phone, 'sent', now() - interval '1 hour',
                       'SM' || md5(id::text), 'test', now() - interval '1 hour'
                FROM contacts WHERE org_id = \(fixture.org)
                """)
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("backfill-\(UUID()).log")
            // 2 requests a second: pages of 10 rows, five seconds each; 400 rows would take 200 s.
            let backfill = try AmplifiExecutable.launch(
                ["backfill-status", "--rate", "2"], environment: ["AMPLIFI_DATABASE_URL": url], logTo: output)
            defer { backfill.terminate() }
            // Stop it once its first page is written (a loaded machine may take seconds to start it).
            let checked: @Sendable () async throws -> Int = {
                try await client.query(
                    "SELECT count(*)::int FROM campaign_messages WHERE org_id = \(fixture.org) AND status_checks > 0"
                )[0].decode(Int.self, at: 0)
            }
            try await LocalNetwork.waitUntil("the first page", timeout: 60) { ((try? await checked()) ?? 0) > 0 }
            let stopped = ContinuousClock.now
            backfill.terminate()
            try await LocalNetwork.waitUntil("backfill-status to exit", timeout: 60) { !backfill.isRunning }
            // At most the rest of one 5 s page, plus the exit; a loaded machine adds seconds, never a page.
            #expect(ContinuousClock.now - stopped < .seconds(20))
            let printed = try String(contentsOf: output, encoding: .utf8)
            #expect(printed.contains("Interrupted: run it again to continue."), "\(printed)")
            let checks = try await checked()
            #expect(checks > 0 && checks < 400 && checks % 10 == 0, "whole pages only: \(checks)")
        }
    }
}
