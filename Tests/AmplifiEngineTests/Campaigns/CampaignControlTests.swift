import AmplifiCarriers
import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Logging
import Testing

/// Ops pause/resume/cancel against real Postgres and Redis, with the real sender, scheduler and
/// planner (fixtures from `SendingFixtures`).
@Suite struct CampaignControlTests {
    typealias F = SendingFixtures

    /// (id, sent_at, provider id) of every sent row, by id: a row sent twice would change its values.
    static func sentRows(_ client: PostgresClient, org: UUID, campaign: UUID) async throws -> [Int64: String] {
        var rows: [Int64: String] = [:]
        for row in try await client.query(
            """
            SELECT id, sent_at::text || '|' || provider_message_id FROM campaign_messages
            WHERE org_id = \(org) AND campaign_id = \(campaign) AND status = 'sent'
            """)
        {
            let (id, value) = try row.decode((Int64, String).self)
            rows[id] = value
        }
        return rows
    }

    /// Expects `body` to throw an `EngineError` with `code`; returns its message.
    static func expectError(
        _ code: AmplifiErrorCode, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
    ) async -> String {
        do {
            try await body()
            Issue.record("expected \(code)", sourceLocation: sourceLocation)
        } catch let error as EngineError {
            #expect(error.code == code, sourceLocation: sourceLocation)
            return error.message
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
        return ""
    }

    @Test func pauseStopsSendingAndResumeFinishesEveryoneExactlyOnce() async throws {
        try await withTestDatabase(maxConnections: 6) { client, _ in
            try await F.withRedis { redis in
                let (org, sender) = try await F.org(client, credits: 1_000)
                try await F.contacts(client, org: org, count: 300)
                let (campaign, chunks) = try await F.sendingCampaign(client, org: org, sender: sender, chunkSize: 100)
                #expect(chunks == 3)
                let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
                let queue = FairChunkQueue(client: redis, keys: keys, logger: F.logger)
                _ = try await queue.push(
                    jobs: (0..<chunks).map { ChunkJob(campaignID: campaign, orgID: org, chunk: $0) })
                let carrier = SimulatedCarrier(logger: F.logger)
                let chunkSender = F.sender(client, redis: redis, carrier: carrier, keys: keys, batchSize: 50)
                let control = CampaignControl(client: client, redis: redis, keys: keys, logger: F.logger)

                // One chunk goes out, then ops pause.
                let first = try #require(try await queue.pop(worker: "test-worker", leaseSeconds: 30))
                #expect(try await chunkSender.process(first.job, lease: first) == .finished(campaignCompleted: false))
                #expect(try await control.pause(campaignID: campaign, orgID: org).status == .paused)
                let (status, reason) = try await F.campaignStatus(client, org: org, campaign: campaign)
                #expect(status == "paused" && reason == "paused_by_ops")

                // Workers popping the remaining jobs send nothing and drop them.
                while let lease = try await queue.pop(worker: "test-worker", leaseSeconds: 30) {
                    #expect(try await chunkSender.process(lease.job, lease: lease) == .stopped(.paused))
                }
                #expect(carrier.sendLog().count == 100)
                #expect(
                    try await F.statusCounts(client, org: org, campaign: campaign) == ["sent": 100, "pending": 200])
                let sentBefore = try await Self.sentRows(client, org: org, campaign: campaign)

                // Resume: pending without reason → scheduler admits → planner re-plans and pushes.
                #expect(try await control.resume(campaignID: campaign, orgID: org).status == .pending)
                let (resumed, resumedReason) = try await F.campaignStatus(client, org: org, campaign: campaign)
                #expect(resumed == "pending" && resumedReason == nil)
                try await SchedulerService(client: client, redis: redis, keys: keys, logger: F.logger)
                    .runOnce(reconcile: false)
                #expect(try await F.campaignStatus(client, org: org, campaign: campaign).0 == "queued")
                let admissions = AdmissionQueue(client: redis, keys: keys, logger: F.logger)
                try await admissions.ensureGroup()
                let admission = try #require(try await admissions.claimNext(consumer: "w1", block: .milliseconds(100)))
                #expect(admission.campaignID == campaign)
                try await CampaignPlannerService(
                    client: client, redis: redis, keys: keys, workerID: "w1", chunkSize: 100, logger: F.logger
                ).plan(admission)
                #expect(try await F.campaignStatus(client, org: org, campaign: campaign).0 == "sending")
                // Only the two chunks with pending rows are pushed again.
                #expect(try await queue.depth(orgID: org) == 2)

                var completions = 0
                while let lease = try await queue.pop(worker: "test-worker", leaseSeconds: 30) {
                    if try await chunkSender.process(lease.job, lease: lease) == .finished(campaignCompleted: true) {
                        completions += 1
                    }
                }
                #expect(completions == 1)
                #expect(try await F.campaignStatus(client, org: org, campaign: campaign).0 == "completed")
                #expect(try await F.statusCounts(client, org: org, campaign: campaign) == ["sent": 300])
                let sentAfter = try await Self.sentRows(client, org: org, campaign: campaign)
                #expect(sentAfter.count == 300)
                // The rows sent before the pause were not touched again.
                #expect(sentBefore.allSatisfy { sentAfter[$0.key] == $0.value })
                let log = carrier.sendLog()
                #expect(log.count == 300)
                #expect(Set(log.map(\.to)).count == 300)
                #expect(carrier.duplicateDeliveries().isEmpty)
                #expect(try await CreditMeter(client: client).balance(orgID: org).balance == 700)
            }
        }
    }

    @Test func cancelCancelsUnsentRowsAndClearsTheQueue() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, sender) = try await F.org(client, credits: 1_000)
                try await F.contacts(client, org: org, count: 300)
                let (campaign, chunks) = try await F.sendingCampaign(client, org: org, sender: sender, chunkSize: 100)
                let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
                let queue = FairChunkQueue(client: redis, keys: keys, logger: F.logger)
                _ = try await queue.push(
                    jobs: (0..<chunks).map { ChunkJob(campaignID: campaign, orgID: org, chunk: $0) })
                let carrier = SimulatedCarrier(logger: F.logger)
                let chunkSender = F.sender(client, redis: redis, carrier: carrier, keys: keys)
                let first = try #require(try await queue.pop(worker: "test-worker", leaseSeconds: 30))
                _ = try await chunkSender.process(first.job, lease: first)
                // Of the 200 unsent rows: one held (A/B holdout), one deferred (quiet hours), one in a
                // worker's batch in flight (sending), 197 pending.
                try await client.query(
                    """
                    WITH open AS (
                        SELECT id, row_number() OVER (ORDER BY id) AS n FROM campaign_messages
                        WHERE org_id = \(org) AND campaign_id = \(campaign) AND status = 'pending' AND chunk = 2
                    )
                    UPDATE campaign_messages m SET
                        status = CASE o.n WHEN 1 THEN 'held' WHEN 2 THEN 'deferred' ELSE 'sending' END,
                        variant = CASE o.n WHEN 1 THEN 'main' ELSE m.variant END,
                        defer_until = CASE o.n WHEN 2 THEN now() + interval '1 hour' END,
                        claimed_by = CASE o.n WHEN 3 THEN 'other-worker' END,
                        claimed_at = CASE o.n WHEN 3 THEN now() END
                    FROM open o WHERE m.id = o.id AND o.n <= 3
                    """)
                #expect(try await queue.depth(orgID: org) == 2)

                let control = CampaignControl(client: client, redis: redis, keys: keys, logger: F.logger)
                let outcome = try await control.cancel(campaignID: campaign, orgID: org)
                #expect(outcome == CampaignControl.Outcome(status: .canceled, canceledMessages: 199, clearedJobs: 2))
                let (status, reason) = try await F.campaignStatus(client, org: org, campaign: campaign)
                #expect(status == "canceled" && reason == "canceled_by_ops")
                #expect(
                    try await F.statusCounts(client, org: org, campaign: campaign)
                        == ["sent": 100, "canceled": 199, "sending": 1])
                #expect(try await queue.depth(orgID: org) == 0)
                #expect(try await queue.contains(ChunkJob(campaignID: campaign, orgID: org, chunk: 1)) == false)

                // A worker still holding a job for it sends nothing.
                let late = try await chunkSender.process(
                    ChunkJob(campaignID: campaign, orgID: org, chunk: 1), lease: nil)
                #expect(late == .stopped(.canceled))
                #expect(carrier.sendLog().count == 100)

                let message = await Self.expectError(.invalidTransition) {
                    try await control.cancel(campaignID: campaign, orgID: org)
                }
                #expect(message.contains("canceled"))
                _ = await Self.expectError(.invalidTransition) {
                    try await control.resume(campaignID: campaign, orgID: org)
                }
            }
        }
    }

    @Test func invalidTransitionsNameTheCurrentStatus() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, sender) = try await F.org(client, credits: 100)
                try await F.contacts(client, org: org, count: 3)
                let (campaign, _) = try await F.sendingCampaign(client, org: org, sender: sender)
                let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
                let carrier = SimulatedCarrier(logger: F.logger)
                let outcome = try await F.sender(client, redis: redis, carrier: carrier, keys: keys)
                    .process(ChunkJob(campaignID: campaign, orgID: org, chunk: 0), lease: nil)
                #expect(outcome == .finished(campaignCompleted: true))

                let control = CampaignControl(client: client, redis: redis, keys: keys, logger: F.logger)
                let message = await Self.expectError(.invalidTransition) {
                    try await control.pause(campaignID: campaign, orgID: org)
                }
                #expect(message.contains("completed"))
                _ = await Self.expectError(.invalidTransition) {
                    try await control.resume(campaignID: campaign, orgID: org)
                }
                _ = await Self.expectError(.invalidTransition) {
                    try await control.cancel(campaignID: campaign, orgID: org)
                }
                #expect(try await F.campaignStatus(client, org: org, campaign: campaign).0 == "completed")
                // Another organization's id finds nothing.
                _ = await Self.expectError(.notFound) {
                    try await control.cancel(campaignID: campaign, orgID: UUID())
                }
                _ = await Self.expectError(.notFound) {
                    try await control.pause(campaignID: campaign, orgID: UUID())
                }
            }
        }
    }
}
