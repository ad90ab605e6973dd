import AmplifiCarriers
import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Synchronization
import Testing

/// `StatusBackfill` with the in-process simulator: messages sent through the real ChunkSender path.
@Suite struct StatusBackfillTests {
    typealias D = DeliveryFixtures
    typealias F = SendingFixtures

    /// Sends a one-chunk campaign of `count` through ChunkSender and the simulator; returns its rows.
    static func sentCampaign(
        _ client: PostgresClient, redis: RedisClient, carrier: SimulatedCarrier, count: Int
    ) async throws -> (org: UUID, campaign: UUID, rows: [Int64]) {
        let (org, campaign) = try await F.oneChunkCampaign(client, credits: 10_000, contacts: count)
        let sender = F.sender(client, redis: redis, carrier: carrier)
        _ = try await sender.process(ChunkJob(campaignID: campaign, orgID: org, chunk: 0), lease: nil)
        let rows = try await client.query(
            "SELECT id FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign) ORDER BY id"
        ).map { try $0.decode(Int64.self, at: 0) }
        #expect(try await F.statusCounts(client, org: org, campaign: campaign) == ["sent": count])
        return (org, campaign, rows)
    }

    /// Moves the rows' last news an hour back (as if sent an hour ago).
    static func age(_ client: PostgresClient, org: UUID, rows: [Int64]) async throws {
        try await client.query(
            """
            UPDATE campaign_messages SET sent_at = sent_at - interval '1 hour', claimed_at = claimed_at - interval '1 hour'
            WHERE org_id = \(org) AND id = ANY(\(rows)::bigint[])
            """)
    }

    static func backfill(
        _ client: PostgresClient, carrier: any Carrier, olderThan: Duration = .seconds(900), limit: Int? = nil,
        pageSize: Int = 200
    ) -> StatusBackfill {
        StatusBackfill(
            client: client, carrier: carrier,
            configuration: StatusBackfillConfiguration(
                olderThan: olderThan, limit: limit, rate: 10_000, concurrency: 4, pageSize: pageSize),
            logger: D.logger)
    }

    @Test func settlesOldSentMessagesToDeliveredWithCountersAndIsANoOpWhenRerun() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let carrier = SimulatedCarrier(configuration: .init(recordsLog: true), logger: D.logger)
                let (org, campaign, rows) = try await Self.sentCampaign(
                    client, redis: redis, carrier: carrier, count: 7)
                try await Self.age(client, org: org, rows: Array(rows[..<5]))
                // Pages of 2: keyset paging crosses pages.
                let report = try await Self.backfill(client, carrier: carrier, pageSize: 2).run()
                #expect(report.checked == 5 && report.updated == ["delivered": 5])
                #expect(report.notFound == 0 && report.errors == 0 && report.pendingAtCarrier == 0)
                #expect(try await F.statusCounts(client, org: org, campaign: campaign) == ["delivered": 5, "sent": 2])
                #expect(try await D.expectCountersMatchRows(client, org: org, campaign: campaign) == [7, 5, 0, 0])
                let sources = try await client.query("SELECT DISTINCT source FROM delivery_events")
                    .map { try $0.decode(String.self, at: 0) }
                #expect(sources == ["backfill"])
                let rerun = try await Self.backfill(client, carrier: carrier).run()
                #expect(rerun == StatusBackfillReport())
            }
        }
    }

    @Test func rowsPastTheHorizonOrCheckedTooOftenAreCountedNotPolledAndAStopEndsAtAPage() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let carrier = SimulatedCarrier(configuration: .init(recordsLog: true), logger: D.logger)
                let (org, _, rows) = try await Self.sentCampaign(client, redis: redis, carrier: carrier, count: 8)
                try await Self.age(client, org: org, rows: rows)
                // Two sent four days ago, two already checked three times: past the bounds.
                try await client.query(
                    """
                    UPDATE campaign_messages SET sent_at = sent_at - interval '96 hours'
                    WHERE org_id = \(org) AND id = ANY(\(Array(rows[0..<2]))::bigint[]);
                    """)
                try await client.query(
                    """
                    UPDATE campaign_messages SET status_checks = 3
                    WHERE org_id = \(org) AND id = ANY(\(Array(rows[2..<4]))::bigint[]);
                    """)
                let bounded = StatusBackfillConfiguration(
                    rate: 10_000, concurrency: 4, pageSize: 1, horizon: .seconds(72 * 3_600), maxChecks: 3)
                // Stop asked after two pages: the run ends at the page boundary and says so.
                let pages = Mutex(0)
                let stopped = try await StatusBackfill(
                    client: client, carrier: carrier, configuration: bounded, logger: D.logger
                ).run(shouldStop: {
                    pages.withLock {
                        $0 += 1
                        return $0 > 2
                    }
                })
                #expect(stopped.interrupted && stopped.checked == 2 && stopped.givenUp == 4)
                let rest = try await StatusBackfill(
                    client: client, carrier: carrier, configuration: bounded, logger: D.logger
                ).run()
                #expect(!rest.interrupted && rest.checked == 2 && rest.givenUp == 4)
                let checks = try await client.query(
                    "SELECT status, status_checks::int FROM campaign_messages WHERE org_id = \(org) ORDER BY id"
                ).map { try $0.decode((String, Int).self) }
                #expect(checks.map(\.0) == ["sent", "sent", "sent", "sent"] + Array(repeating: "delivered", count: 4))
                #expect(checks.map(\.1) == [0, 0, 3, 3, 1, 1, 1, 1])
            }
        }
    }

    @Test func findsAnUnknownRowWithoutSidByListingAndLeavesAnUnfindableOneUnknown() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let carrier = SimulatedCarrier(configuration: .init(recordsLog: true), logger: D.logger)
                let (org, campaign, rows) = try await Self.sentCampaign(
                    client, redis: redis, carrier: carrier, count: 3)
                // Row 0: the worker died after the carrier's 201 (sent, but never recorded).
                // Row 1: claimed but never reached the carrier (a phone the carrier never saw).
                try await client.query(
                    """
                    UPDATE campaign_messages SET status = 'unknown', provider_message_id = NULL, sent_at = NULL,
                        phone = CASE WHEN id = \(rows[1]) THEN '+14155550199' ELSE phone END
                    WHERE org_id = \(org) AND id = ANY(\(Array(rows[..<2]))::bigint[])
                    """)
                try await client.query("UPDATE campaigns SET sent_count = 1 WHERE id = \(campaign) AND org_id = \(org)")
                let report = try await Self.backfill(client, carrier: carrier, olderThan: .zero).run()
                #expect(report.checked == 3)
                #expect(report.updated == ["delivered": 2])
                #expect(report.notFound == 1 && report.ambiguous == 0)
                let (status0, sid0, _, sentAt0) = try await D.row(client, org: org, id: rows[0])
                #expect(status0 == "delivered" && sid0?.hasPrefix("SM") == true && sentAt0)
                #expect(try await D.row(client, org: org, id: rows[1]).0 == "unknown")
                #expect(try await D.expectCountersMatchRows(client, org: org, campaign: campaign) == [2, 2, 0, 0])
                // Nothing was resent.
                #expect(carrier.attemptCount == 3)
                // The unfindable row was NOT stamped (the request that may have created it could still
                // be in flight): its campaign waits. Once its claim is older than the settle grace, the
                // carrier still has nothing for it, so it goes back to pending, its charge refunded.
                try await client.query(
                    "UPDATE campaign_messages SET claimed_at = claimed_at - interval '1 hour' WHERE org_id = \(org) AND id = \(rows[1])"
                )
                let rerun = try await Self.backfill(client, carrier: carrier).run()
                #expect(rerun.checked == 1 && rerun.putBack == 1 && rerun.notFound == 0)
                let (status1, credits1) = try await client.query(
                    "SELECT status, credits FROM campaign_messages WHERE org_id = \(org) AND id = \(rows[1])"
                )[0].decode((String, Int).self)
                #expect(status1 == "pending" && credits1 == 0)
                let meter = CreditMeter(client: client)
                let usage = try await meter.campaignUsage(orgID: org, campaignID: campaign)
                #expect(usage.creditsUsed == usage.ledgerNet)
                #expect(try await meter.verifyLedger(orgID: org))
                let rowCredits = try await client.query(
                    "SELECT coalesce(sum(credits), 0)::bigint FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign)"
                )[0].decode(Int64.self, at: 0)
                #expect(rowCredits == usage.creditsUsed)
                // Nothing was resent by the settle step itself.
                #expect(carrier.attemptCount == 3)
            }
        }
    }

    @Test func respectsTheLimitAndContinuesOnTheNextRun() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let carrier = SimulatedCarrier(configuration: .init(recordsLog: true), logger: D.logger)
                let (org, campaign, rows) = try await Self.sentCampaign(
                    client, redis: redis, carrier: carrier, count: 5)
                try await Self.age(client, org: org, rows: rows)
                let first = try await Self.backfill(client, carrier: carrier, limit: 2, pageSize: 10).run()
                #expect(first.checked == 2 && first.updated == ["delivered": 2])
                let delivered = try await client.query(
                    """
                    SELECT id FROM campaign_messages WHERE org_id = \(org) AND status = 'delivered' ORDER BY id
                    """
                ).map { try $0.decode(Int64.self, at: 0) }
                #expect(delivered == Array(rows[..<2]))
                let second = try await Self.backfill(client, carrier: carrier).run()
                #expect(second.checked == 3 && second.updated == ["delivered": 3])
                #expect(try await D.expectCountersMatchRows(client, org: org, campaign: campaign) == [5, 5, 0, 0])
            }
        }
    }

    @Test func carrierErrorsAreCountedAndNotStamped() async throws {
        try await withTestDatabase { client, _ in
            try await F.withRedis { redis in
                let inner = SimulatedCarrier(configuration: .init(recordsLog: true), logger: D.logger)
                let (org, _, rows) = try await Self.sentCampaign(client, redis: redis, carrier: inner, count: 2)
                try await Self.age(client, org: org, rows: rows)
                let failing = FailingFetchCarrier(inner: inner)
                let report = try await Self.backfill(client, carrier: failing).run()
                #expect(report.checked == 2 && report.errors == 2 && report.updated.isEmpty)
                let stamped = try await client.query(
                    "SELECT count(status_checked_at) FROM campaign_messages WHERE org_id = \(org)")[0].decode(
                        Int64.self, at: 0)
                #expect(stamped == 0)
                // The next run asks again and settles them.
                #expect(try await Self.backfill(client, carrier: inner).run().updated == ["delivered": 2])
            }
        }
    }
}

/// A carrier whose fetch always fails with a 503 (sends delegate to the simulator).
final class FailingFetchCarrier: Carrier {
    let inner: SimulatedCarrier
    init(inner: SimulatedCarrier) { self.inner = inner }
    func send(_ batch: [OutboundMessage]) async -> [SendResult] { await inner.send(batch) }
    func fetch(providerMessageID: String) async throws -> CarrierStatusReport? { throw CarrierError.http(status: 503) }
    func listMessages(to: PhoneNumber, sentOnOrAfter since: Date) async throws -> [CarrierMessage] {
        throw CarrierError.http(status: 503)
    }
    func lookupLineType(_ phone: PhoneNumber) async throws -> LineType? { nil }
}
