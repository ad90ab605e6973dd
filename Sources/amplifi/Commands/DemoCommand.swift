import AmplifiCarrierSimulator
import AmplifiCarriers
import AmplifiEngine
import AmplifiLocalServers
import AmplifiMessaging
import AmplifiPostgres
import AmplifiRedis
import ArgumentParser
import Foundation
import Logging

/// `amplifi demo`: the embedded default. Starts Postgres and Redis under
/// `.amplifi/`, migrates a fresh database, loads an organization (credits, two
/// sender numbers, 10k contacts through the CSV importer), creates an A/B
/// campaign from the product's JSON body, runs the scheduler and a planner on it,
/// sends the A/B samples and then the winner through the carrier simulator with a
/// live progress line, and prints the outcome.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run Amplifi on embedded local Postgres + Redis (under .amplifi/).")

    @Option(help: ArgumentHelp("Where the demo keeps its servers' data.", valueName: "dir"))
    var directory = ".amplifi"

    @Option(help: "Contacts to generate and import.")
    var contacts = 10_000

    @Flag(help: "Keep the servers running until Ctrl-C (to poke at them with psql / redis-cli).")
    var stay = false

    @Option(
        help: ArgumentHelp(
            "sim: the in-process carrier simulator. twilio-sim: the Twilio adapter over real HTTP to the carrier-sim "
                + "server, signed status callbacks and inbound replies through the receiver.",
            valueName: "sim|twilio-sim"))
    var carrier = "sim"

    func validate() throws {
        _ = try FlagValidation.count(contacts, flag: "contacts", in: 1...10_000_000, unit: "contacts")
        guard ["sim", "twilio-sim"].contains(carrier) else {
            throw ValidationError("unknown --carrier \"\(carrier)\": use sim or twilio-sim")
        }
    }

    func run() async throws {
        var logger = Logger(label: "amplifi.demo")
        logger.logLevel = .warning
        let root = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        print("1. Starting Postgres and Redis under \(root.path) …")
        let postgres = try await LocalPostgresServer.start(
            directory: root.appendingPathComponent("postgres"), durable: true)
        let redisServer = try await LocalRedisServer.start(directory: root.appendingPathComponent("redis"))
        defer {
            redisServer.stop()
            postgres.stop()
        }
        let databaseURL = try await freshDatabase(postgres)
        print("   postgres \(databaseURL)\n   redis    \(redisServer.url)")

        let client = PostgresClient(url: databaseURL, maxConnections: 6, logger: logger)
        let redis = try RedisClient(url: redisServer.url, maxConnections: 4, logger: logger)

        print("2. Loading an organization …")
        let org = try await OrganizationStore(client: client, logger: logger)
            .create(name: "Riverside Food Bank", timezone: "America/New_York", credits: 50_000)
        let numbers = PhoneNumberStore(client: client, logger: logger)
        _ = try await numbers.add(org: org.id, number: "+19195550100", mps: 2_000, isDefault: true)
        _ = try await numbers.add(org: org.id, number: "+18885550199", mps: 50, kind: .tollFree)
        let csv = root.appendingPathComponent("demo-contacts.csv")
        let zones = DemoData.recipientZones(at: Date(), for: 15 * 60)
        try DemoData.writeContacts(count: contacts, zones: zones, to: csv)
        let report = try await ContactImporter(client: client, logger: logger).importFile(org: org.id, path: csv.path)
        print(
            "   \(org.name): \(org.creditBalance) credits, 2 sender numbers, \(report.created) contacts imported "
                + "in \(String(format: "%.2f", report.elapsedSeconds)) s (\(report.rejected) rejected)")
        print(
            "   recipients' time zones: \(zones.dropLast().joined(separator: ", ")) (inside 08:00–21:00 now), "
                + "\(zones.last ?? "") (outside: deferred)")

        print("3. Creating the A/B campaign from its JSON body …")
        let campaign = try await CampaignStore(client: client, logger: logger)
            .create(orgID: org.id, json: Data(DemoData.campaignBody.utf8), mode: .submit)
        print("   \"\(campaign.name)\" → \(campaign.status.rawValue)")
        for (name, body) in [("A", campaign.messageVariantA), ("B", campaign.messageVariantB)] {
            guard let body else { continue }
            let template = try MergeTemplate(parsing: body, customFieldKeys: ["team"])
            let sample = template.render(MergeValues(firstName: "Jane", customFields: ["team": "team-1"]))
            let plan = try MessagePlanner.plan(body: sample, normalizeText: true)
            print(
                "   variant \(name): \(plan.encoding.rawValue), \(plan.segmentCount) segment(s), \(plan.credits) credit(s): \(plan.text)"
            )
        }

        print("4. Scheduler: admitting the campaign (fair across organizations) …")
        let keys = QueueKeys()
        try await SchedulerService(client: client, redis: redis, keys: keys, logger: logger).runOnce(reconcile: false)

        print("5. Worker: planning the audience into campaign_messages and chunk jobs …")
        let admissions = AdmissionQueue(client: redis, keys: keys, logger: logger)
        try await admissions.ensureGroup()
        let started = ContinuousClock.now
        let planner = CampaignPlannerService(client: client, redis: redis, keys: keys, workerID: "demo", logger: logger)
        while let admission = try await admissions.claimNext(consumer: "demo", block: .milliseconds(200)) {
            try await planner.plan(admission)
        }
        let elapsed = ContinuousClock.now - started
        try await printOutcome(
            client: client, redis: redis, keys: keys, org: org.id, campaign: campaign.id, elapsed: elapsed)

        let overHTTP = carrier == "twilio-sim"
        let demoCarrier =
            overHTTP
            ? try await DemoCarrier.overHTTP(client: client, redis: redis, keys: keys, logger: logger)
            : DemoCarrier.inProcess(logger: logger)
        print(
            overHTTP
                ? "6. Two workers send the A/B samples over HTTP to the carrier-sim server (signed callbacks → receiver) …"
                : "6. Two workers send the A/B samples through the carrier simulator …")
        try await sendUntilIdle(
            client: client, redis: redis, keys: keys, carrier: demoCarrier, campaign: campaign.id, logger: logger)

        if demoCarrier.receivesInbound {
            print("7. Contacts reply: the carrier-sim server posts signed inbound messages to the receiver …")
            let replies = try await DemoReplies.send(
                client: client, org: org.id, campaign: campaign.id, carrier: demoCarrier)
            print("   \(replies.yes) YES replies (auto-replied), \(replies.stop) STOPs (opted out at once)")
            // Ops would wait abDecideAfter (1 hour by default); the demo decides now, by the reply
            // rates the receiver recorded.
            let decisions = try await DemoReplies.decideNow(
                client: client, redis: redis, keys: keys, campaign: campaign.id, logger: logger)
            for decision in decisions {
                print(
                    "   reply rate A \(String(format: "%.1f%%", decision.rateA * 100)), "
                        + "B \(String(format: "%.1f%%", decision.rateB * 100)) → \(decision.winner) wins; "
                        + "\(decision.released) held recipients released")
            }
        } else {
            print(
                "7. No replies yet, so the reply rates tie and A wins (ops could run `amplifi campaign ab-winner ID B`) …"
            )
            let released = try await ABWinnerSelection(client: client, redis: redis, keys: keys, logger: logger)
                .choose(campaignID: campaign.id, orgID: org.id, variant: "A")
            print("   \(released) held recipients released to variant A")
        }
        try await sendUntilIdle(
            client: client, redis: redis, keys: keys, carrier: demoCarrier, campaign: campaign.id, logger: logger)
        if overHTTP {
            try await DemoReplies.waitForCallbacks(client: client, campaign: campaign.id)
        }

        try await printReport(client: client, org: org.id, campaign: campaign.id, carrier: demoCarrier)
        await demoCarrier.stop()
        await client.close()
        await redis.close()
        if stay {
            print("\nServers are up; press Ctrl-C to stop them.")
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
    }

    /// Runs two sender services until the campaign has nothing pending or in flight, drawing progress.
    private func sendUntilIdle(
        client: PostgresClient, redis: RedisClient, keys: QueueKeys, carrier: DemoCarrier, campaign: UUID,
        logger: Logger
    ) async throws {
        let progress = DemoProgress(client: client, campaign: campaign)
        let before = try await progress.counts()
        let total = before.filter { $0.key != "held" }.values.reduce(0, +)
        let sentBefore = before["sent"] ?? 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            let service = ChunkSenderService(
                client: client, redis: redis, carrier: carrier.carrier, keys: keys,
                configuration: ChunkSenderConfiguration(
                    workerID: "demo", batchSize: 100, statusCallbackBaseURL: carrier.statusCallbackBase),
                loops: 2, idleWait: .milliseconds(50), logger: logger)
            group.addTask { try await service.run() }
            while true {
                let counts = try await progress.draw(total: total, sentBefore: sentBefore)
                if (counts["pending"] ?? 0) + (counts["sending"] ?? 0) == 0 { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            // The loops end their chunk leases once they find no row left; cancelled before that, a
            // lease would stay until it expires (a minute), and the next step's chunks with it.
            let queue = FairChunkQueue(client: redis, keys: keys, logger: logger)
            let deadline = ContinuousClock.now + .seconds(10)
            while try await queue.leasedCount() > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            group.cancelAll()
        }
        print()
    }

    private func printReport(client: PostgresClient, org: UUID, campaign: UUID, carrier: DemoCarrier) async throws {
        print("8. Outcome")
        let rows = try await client.query(
            """
            SELECT status, coalesce(skip_reason, error_code, ''), count(*)::int
            FROM campaign_messages WHERE campaign_id = \(campaign) AND org_id = \(org)
            GROUP BY 1, 2 ORDER BY 1, 2
            """)
        for row in rows {
            let (status, reason, count) = try row.decode((String, String, Int).self)
            print("     \(String(count).leftPadded(to: 6))  \(status)\(reason.isEmpty ? "" : " (\(reason))")")
        }
        let (state, used) = try await client.query(
            "SELECT status, credits_used FROM campaigns WHERE id = \(campaign)")[0].decode((String, Int64).self)
        let (balance, ledger) = try await client.query(
            """
            SELECT o.credit_balance, (SELECT coalesce(sum(amount), 0) FROM credit_ledger l WHERE l.org_id = o.id)::bigint
            FROM organizations o WHERE o.id = \(org)
            """)[0].decode((Int64, Int64).self)
        print(
            "   campaign \(state); credits used \(used); balance \(balance) (ledger sum \(ledger)\(balance == ledger ? ", equal" : ", MISMATCH"))"
        )
        let split = try await client.query(
            """
            SELECT coalesce(variant, '-'), count(*) FILTER (WHERE status IN ('sent', 'delivered', 'undelivered'))::int
            FROM campaign_messages WHERE campaign_id = \(campaign) GROUP BY 1 ORDER BY 1
            """)
        let parts = try split.map { row -> String in
            let (variant, sent) = try row.decode((String, Int).self)
            return "\(variant == "main" ? "winner" : variant): \(sent)"
        }
        print("   sent by variant: \(parts.joined(separator: ", "))")
        if let stats = try await carrier.stats() {
            let (delivered, undelivered, replies, optOuts) = try await client.query(
                """
                SELECT delivered_count::int, undelivered_count::int, reply_count::int, opt_out_count::int
                FROM campaigns WHERE id = \(campaign)
                """)[0].decode((Int, Int, Int, Int).self)
            print(
                "   status callbacks: \(stats.callbacksSent) posted (some twice, some out of order) → "
                    + "\(delivered) delivered, \(undelivered) undelivered; replies \(replies), opt-outs \(optOuts)")
            let (autoReplies, replyCredits) = try await client.query(
                """
                SELECT count(*)::int, coalesce(sum(credits), 0)::int FROM reply_messages
                WHERE org_id = \(org) AND campaign_id = \(campaign) AND status = 'sent'
                """)[0].decode((Int, Int).self)
            print("   auto-replies sent: \(autoReplies) (\(replyCredits) credits, metered through the ledger)")
        }
        print("   duplicates at the carrier: \(try await carrier.duplicates())")
    }

    /// Drops and recreates the `amplifi` database, so every demo run starts clean, and migrates it.
    private func freshDatabase(_ postgres: LocalPostgresServer) async throws -> String {
        guard let sql = PostgresMigrator.defaultDirectory() else {
            throw ValidationError("cannot find the sql/ migrations folder: run the demo from the repository root")
        }
        return try await postgres.freshDatabase(named: "amplifi", migrations: sql)
    }

    private func printOutcome(
        client: PostgresClient, redis: RedisClient, keys: QueueKeys, org: UUID, campaign: UUID, elapsed: Duration
    ) async throws {
        let status = try await client.query(
            "SELECT status, audience_count, skipped_count FROM campaigns WHERE id = \(campaign)")[0]
            .decode((String, Int, Int).self)
        let rows = try await client.query(
            """
            SELECT CASE WHEN status = 'skipped' THEN '-' ELSE coalesce(variant, '-') END,
                   status, coalesce(skip_reason, ''), count(*)::int
            FROM campaign_messages WHERE campaign_id = \(campaign) AND org_id = \(org)
            GROUP BY 1, 2, 3 ORDER BY 2, 1, 3
            """)
        print(
            "   planned \(status.1) recipients in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds]))); "
                + "campaign is now \(status.0)")
        for row in rows {
            let (variant, state, reason, count) = try row.decode((String, String, String, Int).self)
            let label = state == "skipped" ? "skipped (\(reason))" : "\(state), variant \(variant)"
            print("     \(String(count).leftPadded(to: 6))  \(label)")
        }
        let depth = try await FairChunkQueue(client: redis, keys: keys, logger: Logger(label: "demo")).depth(orgID: org)
        print("   \(depth) chunk jobs wait in the organization's fair queue for the senders")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: " ", count: max(0, width - count)) + self
    }
}
