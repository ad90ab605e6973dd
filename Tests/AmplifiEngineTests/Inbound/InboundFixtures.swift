import AmplifiCarriers
import AmplifiEngine
import AmplifiPostgres
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Logging

/// Rows the inbound tests need: an org with its number (SendingFixtures.org, +12025550100), a
/// contact, and campaigns the contact received.
enum InboundFixtures {
    static let logger = Logger(label: "amplifi.test.inbound")
    /// The org's number (SendingFixtures.org).
    static let orgNumber = "+12025550100"
    /// The contact's phone.
    static let contactPhone = "+13035550123"

    /// An org with `credits` and one textable contact; returns both ids.
    static func orgWithContact(_ client: PostgresClient, credits: Int = 100, optedOut: Bool = false) async throws
        -> (org: UUID, sender: UUID, contact: UUID)
    {
        let (org, sender) = try await SendingFixtures.org(client, credits: credits)
        let contact = try await SendingFixtures.contact(client, org: org, phone: contactPhone, optedOut: optedOut)
        return (org, sender, contact)
    }

    /// A completed campaign whose message to `contact` went out `minutesAgo` minutes ago (row
    /// `status`), with the given auto-reply settings.
    static func campaign(
        _ client: PostgresClient, org: UUID, sender: UUID, contact: UUID, minutesAgo: Int = 10,
        status: String = "sent", autoReply: Bool = true, yes: String? = "Great, see you there {{firstName}}!",
        no: String? = "No problem, thanks.",
        faqs: String = #"[{"question": "hours", "answer": "We are open 9 to 5."}]"#, normalize: Bool = true
    ) async throws -> UUID {
        let campaign = try await client.query(
            """
            INSERT INTO campaigns (org_id, name, message, contact_filter, from_phone_number_id, status,
                                   auto_reply, yes_response, no_response, faq_replies, normalize_text)
            VALUES (\(org), 'inbound test', 'Will you come?', '{}'::jsonb, \(sender), 'completed',
                    \(autoReply), \(yes), \(no), \(faqs)::jsonb, \(normalize))
            RETURNING id
            """)[0].decode(UUID.self, at: 0)
        try await client.query(
            """
            INSERT INTO campaign_messages (org_id, campaign_id, contact_id, phone, status, sent_at)
            SELECT \(org), \(campaign), id, phone, \(status),
                   CASE WHEN \(status) IN ('sent', 'delivered', 'undelivered')
                        THEN now() - make_interval(mins => \(minutesAgo)) END
            FROM contacts WHERE org_id = \(org) AND id = \(contact)
            """)
        return campaign
    }

    /// A message from the contact to the org's number.
    static func message(_ body: String, sid: String = "SM\(UUID().uuidString.prefix(8))", from: String = contactPhone)
        -> InboundMessage
    {
        InboundMessage(providerMessageID: sid, from: from, to: orgNumber, body: body)
    }

    /// (reply_count, opt_out_count, credits_used) of a campaign.
    static func counters(_ client: PostgresClient, org: UUID, campaign: UUID) async throws -> (Int, Int, Int) {
        try await client.query(
            "SELECT reply_count, opt_out_count, credits_used FROM campaigns WHERE org_id = \(org) AND id = \(campaign)"
        )[0].decode((Int, Int, Int).self)
    }

    /// Whether the contact is opted out.
    static func optedOut(_ client: PostgresClient, org: UUID, contact: UUID) async throws -> Bool {
        try await client.query(
            "SELECT opted_out_at IS NOT NULL FROM contacts WHERE org_id = \(org) AND id = \(contact)")[0]
            .decode(Bool.self, at: 0)
    }

    /// A handler over `client` whose replies take rate reservations in the test Redis, under a key
    /// prefix of its own (returned in `keys` by ``handlerWithKeys``).
    static func handler(
        _ client: PostgresClient, carrier: any Carrier, replyWindow: Duration = .seconds(86_400),
        maxRateWait: Duration = .seconds(2), logger: Logger
    ) async throws -> InboundMessageHandler {
        try await handlerWithKeys(
            client, carrier: carrier, replyWindow: replyWindow, maxRateWait: maxRateWait, logger: logger
        ).handler
    }

    /// ``handler(_:carrier:replyWindow:maxRateWait:logger:)`` with the Redis client and keys it uses.
    static func handlerWithKeys(
        _ client: PostgresClient, carrier: any Carrier, replyWindow: Duration = .seconds(86_400),
        maxRateWait: Duration = .seconds(2), logger: Logger = InboundFixtures.logger
    ) async throws -> (handler: InboundMessageHandler, redis: RedisClient, keys: QueueKeys) {
        let redis = try await SharedRedisClient.shared.client()
        let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
        let handler = InboundMessageHandler(
            client: client, redis: redis, keys: keys, carrier: carrier, replyWindow: replyWindow,
            maxRateWait: maxRateWait, logger: logger)
        return (handler, redis, keys)
    }

    /// A simulator keeping its send log.
    static func carrier(permanentFailureRate: Double = 0) -> SimulatedCarrier {
        SimulatedCarrier(
            configuration: SimulatedCarrierConfiguration(permanentFailureRate: permanentFailureRate, recordsLog: true),
            logger: logger)
    }
}

/// One Redis client for every inbound test of the process (handlers are made per test; their
/// rate buckets are kept apart by key prefixes).
actor SharedRedisClient {
    static let shared = SharedRedisClient()
    private var redis: RedisClient?

    /// The client, connected to the test Redis on first use.
    func client() async throws -> RedisClient {
        if let redis { return redis }
        let made = try RedisClient(url: try await TestRedis.shared.url(), maxConnections: 4)
        redis = made
        return made
    }
}
