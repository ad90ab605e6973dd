import AmplifiEngine
import AmplifiLocalServers
import AmplifiMessaging
import AmplifiPostgres
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Logging
import Testing

/// How planning ends when it cannot simply plan: a resumed campaign with open rows, a campaign that
/// can never be planned, Postgres restarting underneath, and an admission Redis lost after a restore.
@Suite("Planning outcomes: resume, permanent and transient failures, lost admissions")
struct PlanningOutcomeTests {
    typealias F = SendingFixtures
    static let logger = Logger(label: "amplifi.test.planning")

    /// A campaign of `org` with `filter` as its audience, in `status`, from `sender` (nil: the org's default).
    static func campaign(
        _ client: PostgresClient, org: UUID, sender: UUID? = nil, filter: String = "{}", status: String = "pending"
    ) async throws -> UUID {
        try await client.query(
            """
            INSERT INTO campaigns (org_id, name, message, contact_filter, from_phone_number_id, status)
            VALUES (\(org), 'planning test', 'Hi {{firstName}}', \(filter)::jsonb, \(sender)::uuid, \(status))
            RETURNING id
            """)[0].decode(UUID.self, at: 0)
    }

    /// Runs the scheduler once and plans every admission waiting in the stream with `planner`.
    static func admitAndPlan(
        _ client: PostgresClient, redis: RedisClient, keys: QueueKeys, planner: CampaignPlannerService
    ) async throws {
        try await SchedulerService(client: client, redis: redis, keys: keys, logger: logger).runOnce(reconcile: false)
        let admissions = AdmissionQueue(client: redis, keys: keys, logger: logger)
        try await admissions.ensureGroup()
        while let admission = try await admissions.claimNext(consumer: planner.workerID, block: .milliseconds(50)) {
            try await planner.handle(admission)
        }
    }

    /// Runs `body` on a fresh database and the test Redis, with keys of its own and an org that
    /// has credits and a default number.
    static func withOrg(
        _ body: (PostgresClient, RedisClient, QueueKeys, _ org: UUID, _ sender: UUID) async throws -> Void
    ) async throws {
        try await withTestDatabase(maxConnections: 6) { client, _ in
            try await F.withRedis { redis in
                let (org, sender) = try await F.org(client, credits: 100)
                try await body(client, redis, QueueKeys(prefix: TestRedis.shared.keyPrefix()), org, sender)
            }
        }
    }

    static func planner(_ client: PostgresClient, redis: RedisClient, keys: QueueKeys) -> CampaignPlannerService {
        CampaignPlannerService(client: client, redis: redis, keys: keys, workerID: "w1", chunkSize: 100, logger: logger)
    }

    // MARK: - A: resume never completes a campaign with open rows

    @Test func aResumedCampaignWhoseRowsAreAllDeferredStaysSending() async throws {
        try await Self.withOrg { client, redis, keys, org, sender in
            try await F.contacts(client, org: org, count: 5)
            let campaign = try await Self.campaign(client, org: org, sender: sender, status: "queued")
            _ = try await AudiencePlanner(client: client).expand(campaignID: campaign, orgID: org, chunkSize: 100)
            // Every row waits for its quiet-hours window; ops had paused the campaign.
            try await client.query(
                """
                UPDATE campaign_messages SET status = 'deferred', defer_until = now() + interval '8 hours'
                WHERE org_id = \(org) AND campaign_id = \(campaign)
                """)
            try await client.query("UPDATE campaigns SET status = 'paused' WHERE id = \(campaign)")

            try await CampaignControl(client: client, redis: redis, keys: keys, logger: Self.logger)
                .resume(campaignID: campaign, orgID: org)
            try await Self.admitAndPlan(
                client, redis: redis, keys: keys, planner: Self.planner(client, redis: redis, keys: keys))

            #expect(try await F.campaignStatus(client, org: org, campaign: campaign).0 == "sending")
            #expect(try await F.statusCounts(client, org: org, campaign: campaign) == ["deferred": 5])
        }
    }

    @Test func aCampaignWithNobodyToSendToStillCompletesAtOnce() async throws {
        try await Self.withOrg { client, redis, keys, org, sender in
            let campaign = try await Self.campaign(client, org: org, sender: sender)
            try await Self.admitAndPlan(
                client, redis: redis, keys: keys, planner: Self.planner(client, redis: redis, keys: keys))
            #expect(try await F.campaignStatus(client, org: org, campaign: campaign).0 == "completed")
        }
    }

    // MARK: - C: permanent failures fail the campaign, transient ones are retried

    @Test func theClassifierFailsOnlyWhatPlanningAgainCannotCure() {
        let filter = PlanningFailure.classify(
            ValidationFailure([
                EngineError(.validationFailed, "is not a known filter key", field: "contactFilter.colour")
            ]))
        #expect(filter == .permanent(reason: "planning_failed: contactFilter.colour: is not a known filter key"))
        let gone = PlanningFailure.classify(EngineError(.notFound, "the segment no longer exists", field: "segmentId"))
        #expect(gone == .permanent(reason: "planning_failed: segmentId: the segment no longer exists"))
        let badDate = PostgresError(code: .server, message: "date/time field value out of range", sqlState: "22008")
        #expect(
            PlanningFailure.classify(badDate)
                == .permanent(
                    reason:
                        "planning_failed: the audience filter cannot be evaluated: date/time field value out of range"))
        let long = PlanningFailure.classify(EngineError(.validationFailed, String(repeating: "x", count: 2_000)))
        guard case .permanent(let reason) = long else {
            Issue.record("expected permanent")
            return
        }
        #expect(reason.count == 500)

        #expect(
            PlanningFailure.classify(PostgresError(code: .connectionLost, message: "server closed the connection"))
                == .transient)
        #expect(
            PlanningFailure.classify(PostgresError(code: .connectionFailed, message: "connection refused"))
                == .transient)
        #expect(
            PlanningFailure.classify(
                PostgresError(
                    code: .server, message: "terminating connection due to administrator command", sqlState: "57P01"))
                == .transient)
        #expect(
            PlanningFailure.classify(PostgresError(code: .server, message: "deadlock detected", sqlState: "40P01"))
                == .transient)
        #expect(
            PlanningFailure.classify(RedisError(code: .connectionLost, message: "EOF", command: "XADD")) == .transient)
        #expect(PlanningFailure.classify(EngineError(.insufficientCredits, "no credits")) == .transient)
    }

    @Test func anUnplannableCampaignFailsWithAReasonAndFreesTheOrganizationsSlot() async throws {
        try await Self.withOrg { client, redis, keys, org, _ in
            try await F.contacts(client, org: org, count: 3)
            try await client.query("UPDATE organizations SET max_concurrent_campaigns = 1 WHERE id = \(org)")
            // Oldest first: the broken one takes the org's only slot.
            let broken = try await Self.campaign(client, org: org, filter: #"{"colour": "red"}"#)
            let good = try await Self.campaign(client, org: org)
            try await client.query(
                "UPDATE campaigns SET status_changed_at = now() - interval '1 minute' WHERE id = \(broken)")
            // Another org has no number at all.
            let bare = try await client.query("INSERT INTO organizations (name) VALUES ('bare') RETURNING id")[0]
                .decode(UUID.self, at: 0)
            try await F.contacts(client, org: bare, count: 2)
            let silent = try await Self.campaign(client, org: bare)

            let planner = Self.planner(client, redis: redis, keys: keys)
            try await Self.admitAndPlan(client, redis: redis, keys: keys, planner: planner)

            let (status, reason) = try await F.campaignStatus(client, org: org, campaign: broken)
            #expect(status == "failed")
            #expect(reason?.hasPrefix("planning_failed: contactFilter.colour") == true)
            let (silentStatus, silentReason) = try await F.campaignStatus(client, org: bare, campaign: silent)
            #expect(silentStatus == "failed")
            #expect(silentReason?.contains("no default number") == true)
            let admissions = AdmissionQueue(client: redis, keys: keys, logger: Self.logger)
            #expect(try await admissions.pendingCount() == 0)
            // The slot is free again: the next tick admits and plans the good campaign.
            #expect(try await F.campaignStatus(client, org: org, campaign: good).0 == "pending")
            try await Self.admitAndPlan(client, redis: redis, keys: keys, planner: planner)
            #expect(try await F.campaignStatus(client, org: org, campaign: good).0 == "sending")
            // `campaign show` prints what the store returns.
            let shown = try #require(try await CampaignStore(client: client).fetch(campaignID: broken, orgID: org))
            #expect(shown.statusReason == reason)
        }
    }

    @Test func planningWaitsOutAPostgresRestartAndNeverFailsTheCampaign() async throws {
        let server = try await LocalPostgresServer.start()
        defer { server.stop() }
        let connection = try await PostgresConnection.connect(url: server.url())
        _ = try await PostgresMigrator(directory: TestDatabase.sqlDirectory).migrate(connection)
        await connection.close()
        let client = PostgresClient(url: server.url(), maxConnections: 4)
        try await F.withRedis { redis in
            let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
            let (org, sender) = try await F.org(client, credits: 100)
            try await F.contacts(client, org: org, count: 50)
            let campaign = try await Self.campaign(client, org: org, sender: sender, status: "queued")
            let admissions = AdmissionQueue(client: redis, keys: keys, logger: Self.logger)
            try await admissions.ensureGroup()
            try await admissions.publish(campaignID: campaign, orgID: org)
            let admission = try #require(try await admissions.claimNext(consumer: "w1", block: .milliseconds(100)))

            var planner = Self.planner(client, redis: redis, keys: keys)
            planner.retryBackoff = RetryBackoff(initial: .milliseconds(100), maximum: .milliseconds(400))
            planner.attemptsPerAdmission = 100
            server.stop()
            let planning = Task { [planner] in try await planner.handle(admission) }
            try await Task.sleep(for: .seconds(1))
            try await server.restart()
            try await planning.value

            #expect(try await F.campaignStatus(client, org: org, campaign: campaign).0 == "sending")
            #expect(try await F.statusCounts(client, org: org, campaign: campaign) == ["pending": 50])
            #expect(try await admissions.pendingCount() == 0)
        }
        await client.close()
    }

    // MARK: - D: a queued campaign whose admission Redis lost is republished

    @Test func aCampaignQueuedTooLongIsRepublishedEvenIfRedisStillListsIt() async throws {
        try await Self.withOrg { client, redis, keys, org, sender in
            try await F.contacts(client, org: org, count: 20)
            let campaign = try await Self.campaign(client, org: org, sender: sender)
            try await SchedulerService(client: client, redis: redis, keys: keys, logger: Self.logger)
                .runOnce(reconcile: false)
            #expect(try await F.campaignStatus(client, org: org, campaign: campaign).0 == "queued")
            // A snapshot restore: the admitted set still lists the campaign, its stream entry is gone.
            let admissions = AdmissionQueue(client: redis, keys: keys, logger: Self.logger)
            try await admissions.ensureGroup()
            try await redis.send(["XTRIM", RedisArgument(keys.admissionStream), "MAXLEN", "0"])
            #expect(try await admissions.length() == 0)

            let reconciler = QueueReconciler(client: client, redis: redis, keys: keys, logger: Self.logger)
            // Queued a moment ago: the planner may simply not have got to it yet.
            #expect(try await reconciler.reconcile().republished == 0)
            try await client.query(
                "UPDATE campaigns SET status_changed_at = now() - interval '10 minutes' WHERE id = \(campaign)")
            #expect(try await reconciler.reconcile().republished == 1)
            // Once per bound, not once per pass.
            #expect(try await reconciler.reconcile().republished == 0)

            let admission = try #require(try await admissions.claimNext(consumer: "w1", block: .milliseconds(200)))
            #expect(admission.campaignID == campaign)
            try await Self.planner(client, redis: redis, keys: keys).handle(admission)
            #expect(try await F.campaignStatus(client, org: org, campaign: campaign).0 == "sending")
            #expect(try await F.statusCounts(client, org: org, campaign: campaign) == ["pending": 20])
        }
    }
}
