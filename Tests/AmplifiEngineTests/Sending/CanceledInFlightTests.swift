import AmplifiCarriers
import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Logging
import Testing

/// A campaign canceled while a batch is at the carrier: rows the carrier answers with a retryable
/// error must end `canceled`, never back in `pending` (cancel's sweep skipped them as `sending`).
@Suite struct CanceledInFlightTests {
    typealias F = SendingFixtures

    @Test func retryableAnswerAfterCancelLeavesNoPendingRow() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let (org, sender) = try await F.org(client, credits: 100)
                try await F.contacts(client, org: org, count: 20)
                let (campaign, _) = try await F.sendingCampaign(client, org: org, sender: sender)
                let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
                let control = CampaignControl(client: client, redis: redis, keys: keys, logger: F.logger)
                // Every send fails transiently, after a little latency; the hook cancels the campaign
                // once the batch is claimed (its rows are `sending`) and before the carrier answers.
                let inner = SimulatedCarrier(
                    configuration: SimulatedCarrierConfiguration(
                        latency: .fixed(.milliseconds(20)), transientFailureRate: 1.0),
                    logger: F.logger)
                let carrier = HookedCarrier(inner: inner) {
                    _ = try? await control.cancel(campaignID: campaign, orgID: org)
                }
                let chunkSender = F.sender(client, redis: redis, carrier: carrier, keys: keys)
                let outcome = try await chunkSender.process(
                    ChunkJob(campaignID: campaign, orgID: org, chunk: 0), lease: nil)
                #expect(outcome == .stopped(.canceled))
                #expect(try await F.campaignStatus(client, org: org, campaign: campaign).0 == "canceled")
                let counts = try await F.statusCounts(client, org: org, campaign: campaign)
                #expect(counts["pending"] == nil)
                #expect(counts == ["canceled": 20])
                let open = try await client.query(
                    """
                    SELECT count(*)::bigint FROM campaign_messages
                    WHERE org_id = \(org) AND campaign_id = \(campaign)
                      AND (status IN ('pending', 'sending', 'deferred', 'held') OR defer_until IS NOT NULL)
                    """)[0].decode(Int64.self, at: 0)
                #expect(open == 0)
                // Transient failures are not charged: the reservation came back in full.
                let balance = try await CreditMeter(client: client).balance(orgID: org)
                #expect(balance.balance == 100)
            }
        }
    }
}
