import AmplifiCarriers
import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Logging

/// Rows and services the send pipeline tests need: an org with credits and a fast sender number,
/// contacts, a planned `sending` campaign, and a `ChunkSender` over the shared test Redis.
enum SendingFixtures {
    static let logger = Logger(label: "amplifi.test.sending")
    /// 2026-06-15 16:00 UTC: noon in New York (open), 01:00 in Tokyo (closed).
    static let noonInNewYork = Date(timeIntervalSince1970: 1_781_539_200)

    /// An org in America/New_York with `credits` credits and a default number sending 100,000 segments/s.
    static func org(_ client: PostgresClient, credits: Int, number: String = "+12025550100") async throws
        -> (org: UUID, sender: UUID)
    {
        let org = try await client.query(
            "INSERT INTO organizations (name, timezone) VALUES ('Send test org', 'America/New_York') RETURNING id"
        )[0].decode(UUID.self, at: 0)
        if credits > 0 {
            try await client.query(
                "INSERT INTO credit_ledger (org_id, kind, amount) VALUES (\(org), 'topup', \(credits))")
        }
        let sender = try await client.query(
            """
            INSERT INTO phone_numbers (org_id, e164, is_default, mps)
            VALUES (\(org), \(number), true, 100000) RETURNING id
            """)[0].decode(UUID.self, at: 0)
        return (org, sender)
    }

    /// `count` textable contacts with distinct phones (+1303…), first names `P<n>`.
    static func contacts(_ client: PostgresClient, org: UUID, count: Int, timezone: String? = nil) async throws {
        try await client.query(
            """
            INSERT INTO contacts (org_id, phone, first_name, is_textable, timezone)
            SELECT \(org), '+1303' || lpad(g::text, 7, '0'), 'P' || g, true, \(timezone)
            FROM generate_series(1, \(count)) g
            """)
    }

    /// One contact; returns its id.
    static func contact(
        _ client: PostgresClient, org: UUID, phone: String, timezone: String? = nil, optedOut: Bool = false
    ) async throws -> UUID {
        try await client.query(
            """
            INSERT INTO contacts (org_id, phone, first_name, is_textable, timezone, opted_out_at)
            VALUES (\(org), \(phone), 'Zed', true, \(timezone), CASE WHEN \(optedOut) THEN now() END) RETURNING id
            """)[0].decode(UUID.self, at: 0)
    }

    /// A campaign to every contact, planned in chunks of `chunkSize` and moved to `sending`; returns it
    /// and its chunk count.
    static func sendingCampaign(
        _ client: PostgresClient, org: UUID, sender: UUID, chunkSize: Int = 250,
        message: String = "Hi {{firstName}}, our sale starts today."
    ) async throws -> (campaign: UUID, chunks: Int) {
        let campaign = try await client.query(
            """
            INSERT INTO campaigns (org_id, name, message, contact_filter, from_phone_number_id, status)
            VALUES (\(org), 'send test', \(message), '{}'::jsonb, \(sender), 'queued') RETURNING id
            """)[0].decode(UUID.self, at: 0)
        _ = try await AudiencePlanner(client: client, logger: logger).expand(
            campaignID: campaign, orgID: org, chunkSize: chunkSize)
        _ = try await CampaignStore(client: client, logger: logger).requireTransition(
            campaignID: campaign, orgID: org, to: .sending)
        let chunks = try await client.query(
            "SELECT coalesce(max(chunk) + 1, 0) FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign)"
        )[0].decode(Int.self, at: 0)
        return (campaign, chunks)
    }

    /// Runs `body` with a client on the shared test Redis, closed afterwards.
    static func withRedis<Result>(_ body: (RedisClient) async throws -> Result) async throws -> Result {
        let redis = try RedisClient(url: try await TestRedis.shared.url(), maxConnections: 2)
        do {
            let result = try await body(redis)
            await redis.close()
            return result
        } catch {
            await redis.close()
            throw error
        }
    }

    /// An organization with `credits`, `contacts` contacts and a sending campaign planned as ONE
    /// chunk (chunk 0): the setup most sender tests share.
    static func oneChunkCampaign(
        _ client: PostgresClient, credits: Int, contacts: Int
    ) async throws -> (org: UUID, campaign: UUID) {
        let (org, sender) = try await org(client, credits: credits)
        try await self.contacts(client, org: org, count: contacts)
        let (campaign, _) = try await sendingCampaign(client, org: org, sender: sender, chunkSize: 1_000)
        return (org, campaign)
    }

    /// A sender (fresh Redis keys unless given) with the clock fixed at `now`.
    static func sender(
        _ client: PostgresClient, redis: RedisClient, carrier: any Carrier,
        keys: QueueKeys = QueueKeys(prefix: TestRedis.shared.keyPrefix()), batchSize: Int = 100,
        now: Date = noonInNewYork, configure: (inout ChunkSenderConfiguration) -> Void = { _ in }
    ) -> ChunkSender {
        var configuration = ChunkSenderConfiguration(
            workerID: "test-worker", batchSize: batchSize, defaultBackOff: .milliseconds(1), now: { now })
        configure(&configuration)
        return ChunkSender(
            client: client, queue: FairChunkQueue(client: redis, keys: keys, logger: logger),
            rateLimiter: SenderRateLimiter(client: redis, keys: keys, logger: logger), carrier: carrier,
            configuration: configuration, logger: logger)
    }

    /// Status → count for the campaign's rows.
    static func statusCounts(_ client: PostgresClient, org: UUID, campaign: UUID) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try await client.query(
            """
            SELECT status, count(*)::bigint FROM campaign_messages
            WHERE org_id = \(org) AND campaign_id = \(campaign) GROUP BY status
            """)
        {
            let (status, count) = try row.decode((String, Int64).self)
            counts[status] = Int(count)
        }
        return counts
    }

    /// The campaign's status and reason.
    static func campaignStatus(_ client: PostgresClient, org: UUID, campaign: UUID) async throws -> (String, String?) {
        try await client.query(
            "SELECT status, status_reason FROM campaigns WHERE id = \(campaign) AND org_id = \(org)")[0]
            .decode((String, String?).self)
    }
}

/// A carrier that runs a hook before each batch, then delegates (to pause a campaign mid-chunk).
final class HookedCarrier: Carrier {
    let inner: SimulatedCarrier
    let hook: @Sendable () async -> Void

    init(inner: SimulatedCarrier, hook: @escaping @Sendable () async -> Void) {
        self.inner = inner
        self.hook = hook
    }

    func send(_ batch: [OutboundMessage]) async -> [SendResult] {
        await hook()
        return await inner.send(batch)
    }

    func fetch(providerMessageID: String) async throws -> CarrierStatusReport? {
        try await inner.fetch(providerMessageID: providerMessageID)
    }

    func listMessages(to: PhoneNumber, sentOnOrAfter since: Date) async throws -> [CarrierMessage] {
        try await inner.listMessages(to: to, sentOnOrAfter: since)
    }

    func lookupLineType(_ phone: PhoneNumber) async throws -> LineType? {
        try await inner.lookupLineType(phone)
    }
}
