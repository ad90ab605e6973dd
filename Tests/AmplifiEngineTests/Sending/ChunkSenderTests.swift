import AmplifiCarriers
import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Logging
import Testing

/// The send pipeline end to end: real Postgres and Redis, the simulated carrier with zero latency.
@Suite struct ChunkSenderTests {
    typealias F = SendingFixtures

    @Test func thousandRecipientsCompleteWithBooksBalanced() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, sender) = try await F.org(client, credits: 5_000)
                try await F.contacts(client, org: org, count: 1_000)
                // Suppressed at planning: skipped with a reason, never sent.
                _ = try await F.contact(client, org: org, phone: "+14155550001", optedOut: true)
                let (campaign, chunks) = try await F.sendingCampaign(client, org: org, sender: sender)
                #expect(chunks == 5)
                let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
                let queue = FairChunkQueue(client: redis, keys: keys, logger: F.logger)
                _ = try await queue.push(
                    jobs: (0..<chunks).map { ChunkJob(campaignID: campaign, orgID: org, chunk: $0) })
                let carrier = SimulatedCarrier(logger: F.logger)
                let chunkSender = F.sender(client, redis: redis, carrier: carrier, keys: keys)
                var completions = 0
                while let lease = try await queue.pop(worker: "test-worker", leaseSeconds: 30) {
                    let outcome = try await chunkSender.process(lease.job, lease: lease)
                    if outcome == .finished(campaignCompleted: true) { completions += 1 }
                }
                #expect(completions == 1)
                #expect(try await queue.leasedCount() == 0)
                #expect(try await F.campaignStatus(client, org: org, campaign: campaign).0 == "completed")
                let counts = try await F.statusCounts(client, org: org, campaign: campaign)
                #expect(counts == ["sent": 1_000, "skipped": 1])
                let unexplained = try await client.query(
                    """
                    SELECT count(*)::bigint FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign)
                    AND ((status = 'skipped' AND skip_reason IS NULL)
                         OR (status = 'sent' AND (provider_message_id IS NULL OR sent_at IS NULL OR credits IS NULL)))
                    """)[0].decode(Int64.self, at: 0)
                #expect(unexplained == 0)
                let log = carrier.sendLog()
                #expect(log.count == 1_000)
                #expect(Set(log.map(\.to)).count == log.count)
                #expect(carrier.duplicateDeliveries().isEmpty)
                let meter = CreditMeter(client: client)
                let balance = try await meter.balance(orgID: org)
                #expect(balance.balance == balance.ledgerSum)
                #expect(balance.balance == 4_000)
                let usage = try await meter.campaignUsage(orgID: org, campaignID: campaign)
                #expect(usage.creditsUsed == usage.ledgerNet)
                #expect(usage.creditsUsed == 1_000)
                let (sent, skipped) = try await client.query(
                    "SELECT sent_count, skipped_count FROM campaigns WHERE id = \(campaign) AND org_id = \(org)"
                )[0].decode((Int64, Int64).self)
                #expect(sent == 1_000 && skipped == 1)
            }
        }
    }

    @Test func contactOptedOutAfterPlanningGetsNothing() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, sender) = try await F.org(client, credits: 100)
                try await F.contacts(client, org: org, count: 4)
                let late = try await F.contact(client, org: org, phone: "+14155550002")
                let (campaign, _) = try await F.sendingCampaign(client, org: org, sender: sender)
                try await client.query(
                    "UPDATE contacts SET opted_out_at = now() WHERE org_id = \(org) AND id = \(late)")
                let carrier = SimulatedCarrier(logger: F.logger)
                let chunkSender = F.sender(
                    client, redis: redis, carrier: carrier)
                let outcome = try await chunkSender.process(
                    ChunkJob(campaignID: campaign, orgID: org, chunk: 0), lease: nil)
                #expect(outcome == .finished(campaignCompleted: true))
                #expect(!carrier.sendLog().contains { $0.to.e164 == "+14155550002" })
                #expect(carrier.sendLog().count == 4)
                let (status, reason) = try await client.query(
                    "SELECT status, skip_reason FROM campaign_messages WHERE org_id = \(org) AND contact_id = \(late)"
                )[0].decode((String, String?).self)
                #expect(status == "skipped" && reason == "opted_out")
                #expect(try await CreditMeter(client: client).balance(orgID: org).balance == 96)
            }
        }
    }

    @Test func recipientAtNightIsDeferredNotSent() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, sender) = try await F.org(client, credits: 100)
                try await F.contacts(client, org: org, count: 3)
                let tokyo = try await F.contact(client, org: org, phone: "+14155550003", timezone: "Asia/Tokyo")
                let (campaign, _) = try await F.sendingCampaign(client, org: org, sender: sender)
                let carrier = SimulatedCarrier(logger: F.logger)
                let chunkSender = F.sender(
                    client, redis: redis, carrier: carrier)
                let outcome = try await chunkSender.process(
                    ChunkJob(campaignID: campaign, orgID: org, chunk: 0), lease: nil)
                // The deferred row keeps the campaign open.
                #expect(outcome == .finished(campaignCompleted: false))
                #expect(carrier.sendLog().count == 3)
                #expect(!carrier.sendLog().contains { $0.to.e164 == "+14155550003" })
                let (status, deferUntil, attempt) = try await client.query(
                    """
                    SELECT status, defer_until, attempt FROM campaign_messages
                    WHERE org_id = \(org) AND contact_id = \(tokyo)
                    """)[0].decode((String, Date?, Int).self)
                #expect(status == "deferred")
                // 08:00 the next morning in Tokyo = 23:00 UTC the same day.
                #expect(deferUntil == F.noonInNewYork.addingTimeInterval(7 * 3_600))
                #expect(attempt == 0)
                #expect(try await F.campaignStatus(client, org: org, campaign: campaign).0 == "sending")
            }
        }
    }

    @Test func insufficientCreditsPausesAndSendsNothingUnpaid() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, campaign) = try await F.oneChunkCampaign(client, credits: 150, contacts: 300)
                let carrier = SimulatedCarrier(logger: F.logger)
                let chunkSender = F.sender(
                    client, redis: redis, carrier: carrier)
                let outcome = try await chunkSender.process(
                    ChunkJob(campaignID: campaign, orgID: org, chunk: 0), lease: nil)
                #expect(outcome == .stopped(.paused))
                let (status, reason) = try await F.campaignStatus(client, org: org, campaign: campaign)
                #expect(status == "paused" && reason == "insufficient_credits")
                #expect(carrier.sendLog().count == 100)
                #expect(
                    try await F.statusCounts(client, org: org, campaign: campaign) == ["sent": 100, "pending": 200])
                let maxAttempt = try await client.query(
                    "SELECT max(attempt) FROM campaign_messages WHERE org_id = \(org) AND status = 'pending'"
                )[0].decode(Int.self, at: 0)
                #expect(maxAttempt == 0)
                let balance = try await CreditMeter(client: client).balance(orgID: org)
                #expect(balance.balance == 50 && balance.ledgerSum == 50)
            }
        }
    }

    @Test func permanentCarrierFailuresFailRowsAndRefund() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, campaign) = try await F.oneChunkCampaign(client, credits: 1_000, contacts: 200)
                let carrier = SimulatedCarrier(
                    configuration: SimulatedCarrierConfiguration(permanentFailureRate: 0.2, seed: 7), logger: F.logger)
                let chunkSender = F.sender(
                    client, redis: redis, carrier: carrier)
                let outcome = try await chunkSender.process(
                    ChunkJob(campaignID: campaign, orgID: org, chunk: 0), lease: nil)
                #expect(outcome == .finished(campaignCompleted: true))
                let counts = try await F.statusCounts(client, org: org, campaign: campaign)
                let failed = counts["failed"] ?? 0
                let sent = counts["sent"] ?? 0
                #expect(failed > 10 && sent + failed == 200)
                let wrongCode = try await client.query(
                    """
                    SELECT count(*)::bigint FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign)
                    AND status = 'failed' AND (error_code IS DISTINCT FROM '21211' OR credits <> 0)
                    """)[0].decode(Int64.self, at: 0)
                #expect(wrongCode == 0)
                let meter = CreditMeter(client: client)
                let balance = try await meter.balance(orgID: org)
                #expect(balance.balance == balance.ledgerSum)
                #expect(balance.balance == Int64(1_000 - sent))
                let usage = try await meter.campaignUsage(orgID: org, campaignID: campaign)
                #expect(usage.creditsUsed == Int64(sent) && usage.ledgerNet == usage.creditsUsed)
                let failedCount = try await client.query(
                    "SELECT failed_count FROM campaigns WHERE id = \(campaign) AND org_id = \(org)"
                )[0].decode(Int64.self, at: 0)
                #expect(failedCount == Int64(failed))
            }
        }
    }

    @Test func pauseBetweenBatchesStopsAfterTheCurrentBatch() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, campaign) = try await F.oneChunkCampaign(client, credits: 1_000, contacts: 300)
                let store = CampaignStore(client: client, logger: F.logger)
                // The operator pauses while the first batch is at the carrier.
                let carrier = HookedCarrier(inner: SimulatedCarrier(logger: F.logger)) {
                    _ = try? await store.transition(campaignID: campaign, orgID: org, to: .paused, reason: "ops")
                }
                let chunkSender = F.sender(
                    client, redis: redis, carrier: carrier)
                let outcome = try await chunkSender.process(
                    ChunkJob(campaignID: campaign, orgID: org, chunk: 0), lease: nil)
                #expect(outcome == .stopped(.paused))
                #expect(carrier.inner.sendLog().count == 100)
                #expect(
                    try await F.statusCounts(client, org: org, campaign: campaign) == ["sent": 100, "pending": 200])
                #expect(try await F.campaignStatus(client, org: org, campaign: campaign) == ("paused", "ops"))
            }
        }
    }

    @Test func messagesThatMissTheirSlotsGoBackUnsentWithTheirAttempts() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, campaign) = try await F.oneChunkCampaign(client, credits: 1_000, contacts: 6)
                try await client.query("UPDATE phone_numbers SET mps = 20 WHERE org_id = \(org)")
                // One carrier permit, each request 250 ms: the message holding it makes the ones behind
                // it (slots 50 ms apart) miss their slots by more than the 100 ms tolerance.
                let inner = HookedCarrier(inner: SimulatedCarrier(logger: F.logger)) {
                    try? await Task.sleep(for: .milliseconds(250))
                }
                let pool = CarrierPermitPool(maxInFlight: 1, budget: nil, holder: "local", logger: F.logger)
                let carrier = BudgetedCarrier(inner, pool: pool, permitWait: .seconds(30))
                let chunkSender = F.sender(client, redis: redis, carrier: carrier)
                let outcome = try await chunkSender.process(
                    ChunkJob(campaignID: campaign, orgID: org, chunk: 0), lease: nil)
                #expect(outcome == .finished(campaignCompleted: true))
                #expect(try await F.statusCounts(client, org: org, campaign: campaign) == ["sent": 6])
                // Each went to the carrier once, and the rounds it missed cost it no attempt.
                #expect(inner.inner.sendLog().count == 6)
                let attempts = try await client.query(
                    "SELECT max(attempt) FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign)"
                )[0].decode(Int.self, at: 0)
                #expect(attempts == 1)
                let meter = CreditMeter(client: client)
                let usage = try await meter.campaignUsage(orgID: org, campaignID: campaign)
                #expect(usage.creditsUsed == usage.ledgerNet)
                #expect(usage.creditsUsed == 6)
                try await carrier.shutdown()
            }
        }
    }

    @Test func transientFailuresRetryThenFailWithBooksConsistent() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, campaign) = try await F.oneChunkCampaign(client, credits: 1_000, contacts: 100)
                let carrier = SimulatedCarrier(
                    configuration: SimulatedCarrierConfiguration(transientFailureRate: 0.4, seed: 3), logger: F.logger)
                let chunkSender = F.sender(
                    client, redis: redis, carrier: carrier,
                    batchSize: 50)
                let outcome = try await chunkSender.process(
                    ChunkJob(campaignID: campaign, orgID: org, chunk: 0), lease: nil)
                #expect(outcome == .finished(campaignCompleted: true))
                let counts = try await F.statusCounts(client, org: org, campaign: campaign)
                #expect((counts["sent"] ?? 0) + (counts["failed"] ?? 0) == 100)
                #expect((counts["failed"] ?? 0) > 0)
                // Failed only after the table's three attempts, with the code.
                let early = try await client.query(
                    """
                    SELECT count(*)::bigint FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign)
                    AND status = 'failed' AND (attempt <> 3 OR error_code IS DISTINCT FROM '30003')
                    """)[0].decode(Int64.self, at: 0)
                #expect(early == 0)
                #expect(carrier.duplicateDeliveries().isEmpty)
                let meter = CreditMeter(client: client)
                let balance = try await meter.balance(orgID: org)
                #expect(balance.balance == balance.ledgerSum)
                #expect(try await meter.verifyLedger(orgID: org))
                let usage = try await meter.campaignUsage(orgID: org, campaignID: campaign)
                #expect(usage.creditsUsed == usage.ledgerNet)
                // Every sent message is paid for; repeated refusals of one row are refunded once (see report).
                #expect(usage.creditsUsed >= Int64(counts["sent"] ?? 0))
            }
        }
    }

    @Test func optedOutAtCarrierFailsAndOptsTheContactOut() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, campaign) = try await F.oneChunkCampaign(client, credits: 1_000, contacts: 100)
                let carrier = SimulatedCarrier(
                    configuration: SimulatedCarrierConfiguration(optedOutRate: 0.2, seed: 11), logger: F.logger)
                let chunkSender = F.sender(
                    client, redis: redis, carrier: carrier)
                _ = try await chunkSender.process(ChunkJob(campaignID: campaign, orgID: org, chunk: 0), lease: nil)
                let (failed, optedOut) = try await client.query(
                    """
                    SELECT count(*)::bigint, count(*) FILTER (WHERE c.opted_out_at IS NOT NULL)::bigint
                    FROM campaign_messages m JOIN contacts c ON c.org_id = m.org_id AND c.id = m.contact_id
                    WHERE m.org_id = \(org) AND m.campaign_id = \(campaign) AND m.status = 'failed' AND m.error_code = '21610'
                    """)[0].decode((Int64, Int64).self)
                #expect(failed > 0 && optedOut == failed)
                #expect(try await CreditMeter(client: client).balance(orgID: org).balance == 1_000 - (100 - failed))
            }
        }
    }

    @Test func contentFilteringPastTheThresholdPausesWithCarrierErrors() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, campaign) = try await F.oneChunkCampaign(client, credits: 1_000, contacts: 200)
                let carrier = SimulatedCarrier(
                    configuration: SimulatedCarrierConfiguration(contentFilterRate: 0.3, seed: 5), logger: F.logger)
                let chunkSender = F.sender(
                    client, redis: redis, carrier: carrier)
                let outcome = try await chunkSender.process(
                    ChunkJob(campaignID: campaign, orgID: org, chunk: 0), lease: nil)
                #expect(outcome == .stopped(.paused))
                #expect(
                    try await F.campaignStatus(client, org: org, campaign: campaign) == ("paused", "carrier_errors"))
                #expect(carrier.sendLog().count == 100)
                let counts = try await F.statusCounts(client, org: org, campaign: campaign)
                #expect(counts["pending"] == 100 && (counts["failed"] ?? 0) > 5)
            }
        }
    }

    @Test func rendersMergeAndCustomFieldsIntoTheStoredBody() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, sender) = try await F.org(client, credits: 100)
                let contact = try await F.contact(client, org: org, phone: "+14155550004")
                try await client.query(
                    """
                    UPDATE contacts SET custom_fields = '{"store": "Main St", "visits": 3}'::jsonb
                    WHERE org_id = \(org) AND id = \(contact)
                    """)
                let (campaign, _) = try await F.sendingCampaign(
                    client, org: org, sender: sender,
                    message: "Hi {{firstName}}, see you at {{store|our shop}} ({{visits}}) {{zip|}}")
                let carrier = SimulatedCarrier(logger: F.logger)
                let chunkSender = F.sender(
                    client, redis: redis, carrier: carrier)
                _ = try await chunkSender.process(ChunkJob(campaignID: campaign, orgID: org, chunk: 0), lease: nil)
                let (status, body, encoding, segments, credits) = try await client.query(
                    """
                    SELECT status, body, encoding, segments, credits FROM campaign_messages
                    WHERE org_id = \(org) AND campaign_id = \(campaign)
                    """)[0].decode((String, String?, String?, Int?, Int?).self)
                #expect(status == "sent")
                #expect(body == "Hi Zed, see you at Main St (3) ")
                #expect(encoding == "GSM7" && segments == 1 && credits == 1)
            }
        }
    }
    @Test func aChunkHeldForATimeSliceIsHandedBackWhenAnotherOrganizationWaits() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                // A big organization with two chunks, both leased (two sender loops on it)…
                let (big, bigSender) = try await F.org(client, credits: 5_000)
                try await F.contacts(client, org: big, count: 1_000)
                let (bigCampaign, chunks) = try await F.sendingCampaign(
                    client, org: big, sender: bigSender, chunkSize: 500)
                #expect(chunks == 2)
                let (small, smallSender) = try await F.org(client, credits: 100, number: "+12025550199")
                try await F.contacts(client, org: small, count: 10)
                let (smallCampaign, _) = try await F.sendingCampaign(
                    client, org: small, sender: smallSender, message: "Hello {{firstName}}, from the small org.")
                let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
                // Both organizations have sent before, longer ago than the claim horizon (1 s): no
                // first-send wait (SenderRateLimiter) eats the slice.
                let limiter = SenderRateLimiter(client: redis, keys: keys, logger: F.logger)
                for org in [big, small] {
                    _ = try await limiter.reserve(orgID: org, senderID: UUID(), segments: 1, ratePerSecond: 1)
                }
                try await Task.sleep(for: .milliseconds(1_100))
                let queue = FairChunkQueue(client: redis, keys: keys, logger: F.logger)
                _ = try await queue.push(jobs: (0..<2).map { ChunkJob(campaignID: bigCampaign, orgID: big, chunk: $0) })
                let first = try #require(try await queue.pop(worker: "loop-1", leaseSeconds: 30))
                let second = try #require(try await queue.pop(worker: "loop-2", leaseSeconds: 30))
                // …and a small organization's job arrives while they send.
                _ = try await queue.push(jobs: [ChunkJob(campaignID: smallCampaign, orgID: small, chunk: 0)])
                let carrier = SimulatedCarrier(
                    configuration: SimulatedCarrierConfiguration(latency: .fixed(.milliseconds(30))), logger: F.logger)
                let chunkSender = F.sender(client, redis: redis, carrier: carrier, keys: keys) {
                    $0.timeSlice = .milliseconds(50)
                }
                #expect(try await chunkSender.process(first.job, lease: first) == .handedBack)
                let afterSlice = try await F.statusCounts(client, org: big, campaign: bigCampaign)
                #expect((afterSlice["sent"] ?? 0) > 0 && (afterSlice["pending"] ?? 0) > 0)
                // The fair pop serves the waiting organization before the chunk handed back.
                let next = try #require(try await queue.pop(worker: "loop-1", leaseSeconds: 30))
                #expect(next.job.orgID == small)
                #expect(try await chunkSender.process(next.job, lease: next) == .finished(campaignCompleted: true))
                // With nobody else waiting, the big chunks run to their end.
                #expect(try await chunkSender.process(second.job, lease: second) == .finished(campaignCompleted: false))
                let again = try #require(try await queue.pop(worker: "loop-1", leaseSeconds: 30))
                #expect(again.job == first.job)
                #expect(try await chunkSender.process(again.job, lease: again) == .finished(campaignCompleted: true))
                #expect(try await F.statusCounts(client, org: big, campaign: bigCampaign) == ["sent": 1_000])
                #expect(try await F.statusCounts(client, org: small, campaign: smallCampaign) == ["sent": 10])
                #expect(carrier.duplicateDeliveries().isEmpty)
                #expect(try await queue.leasedCount() == 0)
            }
        }
    }
}
