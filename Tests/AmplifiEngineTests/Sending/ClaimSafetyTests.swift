import AmplifiCarriers
import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Logging
import Testing

/// Claims on a real carrier's terms: rate first, short claims, paced sends, and every claimed row
/// written exactly once — sent, or put back and refunded — whatever fails in between. Real Postgres
/// and Redis, the in-process simulated carrier.
@Suite("Claims: rate first, paced, put back on any fault")
struct ClaimSafetyTests {
    typealias F = SendingFixtures

    /// Sets the sender number's rate (messages = segments per second here).
    static func setRate(_ client: PostgresClient, org: UUID, mps: Double) async throws {
        try await client.query("UPDATE phone_numbers SET mps = \(mps) WHERE org_id = \(org)")
    }

    /// Books: balance = ledger, campaign credits = ledger net = Σ row credits, nothing left `sending`.
    static func expectBooksBalanced(_ client: PostgresClient, org: UUID, campaign: UUID) async throws {
        let meter = CreditMeter(client: client)
        #expect(try await meter.verifyLedger(orgID: org))
        let usage = try await meter.campaignUsage(orgID: org, campaignID: campaign)
        #expect(usage.creditsUsed == usage.ledgerNet)
        let (rowCredits, sending) = try await client.query(
            """
            SELECT coalesce(sum(credits), 0)::bigint, count(*) FILTER (WHERE status = 'sending')::int
            FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign)
            """)[0].decode((Int64, Int).self)
        #expect(rowCredits == usage.creditsUsed)
        #expect(sending == 0)
    }

    @Test func slowNumberIsClaimedAFewAtATimeAndPacedAtItsRateAcrossWorkers() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, campaign) = try await F.oneChunkCampaign(client, credits: 1_000, contacts: 12)
                try await Self.setRate(client, org: org, mps: 4)
                let carrier = SimulatedCarrier(logger: F.logger)
                let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
                let job = ChunkJob(campaignID: campaign, orgID: org, chunk: 0)
                let started = Date()
                // Two workers on the same chunk of a 4 msg/s number, batch size 100 each.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in ["a", "b"] {
                        let sender = F.sender(client, redis: redis, carrier: carrier, keys: keys).named(worker)
                        group.addTask { _ = try await sender.process(job, lease: nil) }
                    }
                    try await group.waitForAll()
                }
                let sends = carrier.sendLog().map(\.receivedAt).sorted()
                #expect(sends.count == 12)
                // 4/s with a one-second burst of 4: 12 messages need at least 2 s, and no second
                // holds more than rate + burst.
                #expect(Date().timeIntervalSince(started) >= 1.9)
                for (index, start) in sends.enumerated() {
                    let inWindow = sends[index...].prefix { $0.timeIntervalSince(start) < 1 }.count
                    #expect(inWindow <= 8, "\(inWindow) messages within one second")
                }
                // Each claim took what the number sends within the horizon (4), not the batch size, and
                // no row was put back or claimed twice.
                let (largestClaim, retried) = try await client.query(
                    """
                    SELECT (SELECT max(n)::int FROM (SELECT count(*) AS n FROM campaign_messages
                            WHERE org_id = \(org) AND campaign_id = \(campaign) GROUP BY claim_id) c),
                           (SELECT count(*)::int FROM campaign_messages
                            WHERE org_id = \(org) AND campaign_id = \(campaign) AND attempt <> 1)
                    """)[0].decode((Int, Int).self)
                #expect(largestClaim <= 4)
                #expect(retried == 0)
                #expect(try await F.statusCounts(client, org: org, campaign: campaign) == ["sent": 12])
                try await Self.expectBooksBalanced(client, org: org, campaign: campaign)
            }
        }
    }

    @Test func aFailedChargeBetweenClaimAndCarrierPutsTheRowsBack() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, campaign) = try await F.oneChunkCampaign(client, credits: 1_000, contacts: 30)
                // The ledger fails (not "insufficient credits": an error the pipeline does not expect).
                try await client.query(
                    """
                    CREATE FUNCTION test_ledger_down() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'ledger unavailable'; END; $$
                    """)
                try await client.query(
                    "CREATE TRIGGER test_ledger_down BEFORE INSERT ON credit_ledger FOR EACH ROW WHEN (NEW.amount < 0) EXECUTE FUNCTION test_ledger_down()"
                )
                let carrier = SimulatedCarrier(logger: F.logger)
                let sender = F.sender(client, redis: redis, carrier: carrier)
                let job = ChunkJob(campaignID: campaign, orgID: org, chunk: 0)
                await #expect(throws: (any Error).self) { _ = try await sender.process(job, lease: nil) }
                #expect(carrier.attemptCount == 0)
                #expect(try await F.statusCounts(client, org: org, campaign: campaign) == ["pending": 30])
                let attempts = try await client.query(
                    "SELECT max(attempt)::int FROM campaign_messages WHERE campaign_id = \(campaign)")[0].decode(
                        Int.self, at: 0)
                #expect(attempts == 0)
                // Once the ledger is back, the same rows are sent and paid for.
                try await client.query("DROP TRIGGER test_ledger_down ON credit_ledger")
                #expect(try await sender.process(job, lease: nil) == .finished(campaignCompleted: true))
                #expect(try await F.statusCounts(client, org: org, campaign: campaign) == ["sent": 30])
                #expect(carrier.duplicateDeliveries().isEmpty)
                try await Self.expectBooksBalanced(client, org: org, campaign: campaign)
            }
        }
    }

    @Test func cancelledWhilePacingPutsTheUnsentRowsBackRefunded() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, campaign) = try await F.oneChunkCampaign(client, credits: 1_000, contacts: 20)
                try await Self.setRate(client, org: org, mps: 4)
                let carrier = SimulatedCarrier(logger: F.logger)
                let sender = F.sender(client, redis: redis, carrier: carrier)
                let job = ChunkJob(campaignID: campaign, orgID: org, chunk: 0)
                let task = Task { try await sender.process(job, lease: nil) }
                // Cancel once the first burst has gone and the rest is being paced (4/s).
                for _ in 0..<300 where carrier.sendLog().count < 5 { try await Task.sleep(for: .milliseconds(20)) }
                task.cancel()
                _ = try? await task.value
                let counts = try await F.statusCounts(client, org: org, campaign: campaign)
                let sent = carrier.sendLog().count
                #expect(sent > 0 && sent < 20)
                #expect(counts["sent"] == sent)
                #expect(counts["pending"] == 20 - sent)
                try await Self.expectBooksBalanced(client, org: org, campaign: campaign)
            }
        }
    }

    @Test func lostAnswersAreRecordedUnknownThenSettledByListingNeverResent() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, campaign) = try await F.oneChunkCampaign(client, credits: 1_000, contacts: 60)
                // A third of the answers are lost after the carrier created the message.
                let carrier = SimulatedCarrier(
                    configuration: SimulatedCarrierConfiguration(ambiguousRate: 0.3, seed: 9), logger: F.logger)
                let job = ChunkJob(campaignID: campaign, orgID: org, chunk: 0)
                #expect(
                    try await F.sender(client, redis: redis, carrier: carrier).process(job, lease: nil)
                        == .finished(campaignCompleted: false))
                let unknown = try await F.statusCounts(client, org: org, campaign: campaign)["unknown"] ?? 0
                #expect(unknown > 0)
                // They stay charged meanwhile, and the campaign waits for them.
                try await Self.expectBooksBalanced(client, org: org, campaign: campaign)
                #expect(try await F.campaignStatus(client, org: org, campaign: campaign).0 == "sending")
                let settler = UnknownSettlerService(
                    client: client, carrier: carrier, olderThan: .zero, settleAfter: .seconds(120), logger: F.logger)
                let report = try #require(try await settler.settleOnce())
                #expect(report.checked == unknown && report.updatedTotal == unknown && report.putBack == 0)
                let settled = try await F.statusCounts(client, org: org, campaign: campaign)
                #expect(settled["unknown"] == nil)
                #expect((settled["sent"] ?? 0) + (settled["delivered"] ?? 0) == 60, "\(settled)")
                #expect(carrier.attemptCount == 60)
                #expect(carrier.duplicateDeliveries().isEmpty)
                #expect(try await F.campaignStatus(client, org: org, campaign: campaign).0 == "completed")
                try await Self.expectBooksBalanced(client, org: org, campaign: campaign)
            }
        }
    }

    @Test func aWinnerPickedWhileAChunkIsSendingAppliesToEveryMainRowClaimedAfterIt() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, sender) = try await F.org(client, credits: 1_000)
                try await F.contacts(client, org: org, count: 200)
                let campaign = try await client.query(
                    """
                    INSERT INTO campaigns (org_id, name, message, contact_filter, from_phone_number_id, status,
                                           ab_test, message_variant_a, message_variant_b)
                    VALUES (\(org), 'ab', 'Plain', '{}'::jsonb, \(sender), 'sending', true, 'Variant A', 'Variant B')
                    RETURNING id
                    """)[0].decode(UUID.self, at: 0)
                _ = try await AudiencePlanner(client: client, logger: F.logger).expand(
                    campaignID: campaign, orgID: org, chunkSize: 1_000)
                // The winner is picked while the samples' claim is at the carrier; the same process()
                // call, which read the campaign before, then claims the released main rows.
                let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
                let selection = ABWinnerSelection(client: client, redis: redis, keys: keys, logger: F.logger)
                let carrier = HookedCarrier(inner: SimulatedCarrier(logger: F.logger)) {
                    _ = try? await selection.choose(campaignID: campaign, orgID: org, variant: "B")
                }
                let outcome = try await F.sender(client, redis: redis, carrier: carrier, keys: keys).process(
                    ChunkJob(campaignID: campaign, orgID: org, chunk: 0), lease: nil)
                #expect(outcome == .finished(campaignCompleted: true))
                let bodies = try await client.query(
                    "SELECT variant, body, count(*)::int FROM campaign_messages WHERE campaign_id = \(campaign) GROUP BY 1, 2 ORDER BY 1"
                ).map { try $0.decode((String, String, Int).self) }
                #expect(bodies.map(\.0) == ["A", "B", "main"])
                #expect(bodies.map(\.1) == ["Variant A", "Variant B", "Variant B"])
                #expect(bodies.reduce(0) { $0 + $1.2 } == 200)
            }
        }
    }

    @Test func aRowDeferredByQuietHoursIsChargedWhenItIsFinallySent() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, sender) = try await F.org(client, credits: 1_000)
                // The first row's contact is in a zone where it is night; the second's is at noon.
                _ = try await F.contact(client, org: org, phone: "+13035550001", timezone: "Asia/Tokyo")
                _ = try await F.contact(client, org: org, phone: "+13035550002", timezone: "America/New_York")
                let (campaign, _) = try await F.sendingCampaign(client, org: org, sender: sender, chunkSize: 1_000)
                let job = ChunkJob(campaignID: campaign, orgID: org, chunk: 0)
                let carrier = SimulatedCarrier(logger: F.logger)
                _ = try await F.sender(client, redis: redis, carrier: carrier).process(job, lease: nil)
                #expect(try await F.statusCounts(client, org: org, campaign: campaign) == ["deferred": 1, "sent": 1])
                // Tokyo's morning: the deferred row is released and sent by a later claim.
                try await client.query(
                    "UPDATE campaign_messages SET status = 'pending', defer_until = NULL WHERE campaign_id = \(campaign) AND status = 'deferred'"
                )
                let tokyoMorning = F.noonInNewYork.addingTimeInterval(8 * 3_600)
                let later = F.sender(client, redis: redis, carrier: carrier, now: tokyoMorning)
                #expect(try await later.process(job, lease: nil) == .finished(campaignCompleted: true))
                #expect(try await F.statusCounts(client, org: org, campaign: campaign) == ["sent": 2])
                let debits = try await client.query(
                    "SELECT count(*)::int FROM credit_ledger WHERE org_id = \(org) AND kind = 'debit'")[0].decode(
                        Int.self, at: 0)
                #expect(debits == 2)
                let usage = try await CreditMeter(client: client).campaignUsage(orgID: org, campaignID: campaign)
                #expect(usage.creditsUsed == 2)
                try await Self.expectBooksBalanced(client, org: org, campaign: campaign)
            }
        }
    }

    @Test func pauseAndOptOutDuringAPacedClaimStopTheMessagesNotYetSent() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, campaign) = try await F.oneChunkCampaign(client, credits: 1_000, contacts: 6)
                try await Self.setRate(client, org: org, mps: 0.25)
                let contacts = try await client.query(
                    "SELECT contact_id FROM campaign_messages WHERE campaign_id = \(campaign) ORDER BY id"
                ).map { try $0.decode(UUID.self, at: 0) }
                let store = CampaignStore(client: client, logger: F.logger)
                // A 0.25 msg/s number without burst and an 8 s claim horizon: each claim of two
                // messages leaves them four seconds apart, and the claim re-reads pause and opt-outs
                // before the second one. While the
                // first message is at the carrier, the second contact texts STOP; while the third is,
                // ops pause the campaign.
                let calls = Counter()
                let carrier = HookedCarrier(inner: SimulatedCarrier(logger: F.logger)) {
                    switch calls.next() {
                    case 1:
                        _ = try? await client.query(
                            "UPDATE contacts SET opted_out_at = now() WHERE id = \(contacts[1])")
                    case 2:
                        _ = try? await store.transition(campaignID: campaign, orgID: org, to: .paused, reason: "ops")
                    default: break
                    }
                }
                let sender = F.sender(client, redis: redis, carrier: carrier) {
                    $0.burstSeconds = 0
                    $0.claimHorizon = .seconds(8)
                    $0.recheckInterval = .milliseconds(100)
                }
                let outcome = try await sender.process(
                    ChunkJob(campaignID: campaign, orgID: org, chunk: 0), lease: nil)
                #expect(outcome == .stopped(.paused))
                let texted = Set(carrier.inner.sendLog().map(\.to.e164))
                let phones = try await client.query(
                    "SELECT phone FROM campaign_messages WHERE campaign_id = \(campaign) ORDER BY id"
                ).map { try $0.decode(String.self, at: 0) }
                #expect(texted == [phones[0], phones[2]])
                let (status1, reason1) = try await client.query(
                    "SELECT status, skip_reason FROM campaign_messages WHERE contact_id = \(contacts[1]) AND campaign_id = \(campaign)"
                )[0].decode((String, String?).self)
                #expect(status1 == "skipped" && reason1 == "opted_out")
                #expect(
                    try await F.statusCounts(client, org: org, campaign: campaign) == [
                        "sent": 2, "skipped": 1, "pending": 3,
                    ])
                try await Self.expectBooksBalanced(client, org: org, campaign: campaign)
            }
        }
    }
}

/// A thread-safe call counter for hooks.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    /// The next count (1 on the first call).
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
