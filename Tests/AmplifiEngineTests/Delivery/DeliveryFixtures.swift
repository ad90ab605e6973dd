import AmplifiCarriers
import AmplifiEngine
import AmplifiPostgres
import Foundation
import Logging
import Testing

/// Rows for the delivery tests: a sending campaign whose rows are put in given states directly,
/// with counters set from the rows, and checks that counters still equal row counts.
enum DeliveryFixtures {
    typealias F = SendingFixtures
    static let logger = Logger(label: "amplifi.test.delivery")

    /// An org with `count` contacts and a planned campaign; returns the ids of its rows in id order.
    static func campaign(_ client: PostgresClient, count: Int) async throws -> (
        org: UUID, campaign: UUID, rows: [Int64]
    ) {
        let (org, sender) = try await F.org(client, credits: 10_000)
        try await F.contacts(client, org: org, count: count)
        let (campaign, _) = try await F.sendingCampaign(client, org: org, sender: sender, chunkSize: 1_000)
        let rows = try await client.query(
            "SELECT id FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign) ORDER BY id"
        ).map { try $0.decode(Int64.self, at: 0) }
        return (org, campaign, rows)
    }

    /// Puts rows in `status` as the send path would leave them (claimed; sid and sent_at when
    /// `withSID`), then sets the campaign's counters from its rows.
    static func set(
        _ client: PostgresClient, org: UUID, campaign: UUID, rows: [Int64], status: String, withSID: Bool = true
    ) async throws {
        try await client.query(
            """
            UPDATE campaign_messages SET status = \(status), claimed_by = 'test-worker', claimed_at = now(),
                provider_message_id = CASE WHEN \(withSID) THEN 'SMtest' || id ELSE NULL END,
                sent_at = CASE WHEN \(status) = 'sent' THEN now() ELSE NULL END
            WHERE org_id = \(org) AND id = ANY(\(rows)::bigint[])
            """)
        try await client.query(
            PostgresQuery(
                sql: """
                    UPDATE campaigns c SET sent_count = r.sent, delivered_count = r.delivered,
                        undelivered_count = r.undelivered, failed_count = r.failed
                    FROM (\(rowCountsSQL)) r WHERE c.org_id = $1 AND c.id = $2
                    """, [org, campaign]))
    }

    /// Counters computed from the rows ($1 org, $2 campaign).
    static let rowCountsSQL = """
        SELECT count(*) FILTER (WHERE status IN ('sent', 'delivered', 'undelivered')) AS sent,
               count(*) FILTER (WHERE status = 'delivered') AS delivered,
               count(*) FILTER (WHERE status = 'undelivered') AS undelivered,
               count(*) FILTER (WHERE status = 'failed') AS failed
        FROM campaign_messages WHERE org_id = $1 AND campaign_id = $2
        """

    /// (sent, delivered, undelivered, failed) from the campaign's counters.
    static func counters(_ client: PostgresClient, org: UUID, campaign: UUID) async throws -> [Int64] {
        let (sent, delivered, undelivered, failed) = try await client.query(
            """
            SELECT sent_count, delivered_count, undelivered_count, failed_count FROM campaigns
            WHERE id = \(campaign) AND org_id = \(org)
            """)[0].decode((Int64, Int64, Int64, Int64).self)
        return [sent, delivered, undelivered, failed]
    }

    /// (sent, delivered, undelivered, failed) counted from the rows.
    static func rowCounts(_ client: PostgresClient, org: UUID, campaign: UUID) async throws -> [Int64] {
        let (sent, delivered, undelivered, failed) = try await client.query(
            PostgresQuery(sql: rowCountsSQL, [org, campaign]))[0].decode((Int64, Int64, Int64, Int64).self)
        return [sent, delivered, undelivered, failed]
    }

    /// Expects counters == row counts, and returns them.
    @discardableResult
    static func expectCountersMatchRows(
        _ client: PostgresClient, org: UUID, campaign: UUID, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [Int64] {
        let counters = try await counters(client, org: org, campaign: campaign)
        let rows = try await rowCounts(client, org: org, campaign: campaign)
        #expect(counters == rows, "counters \(counters) vs rows \(rows)", sourceLocation: sourceLocation)
        return counters
    }

    /// One row's (status, provider_message_id, error_code, sent_at is set).
    static func row(_ client: PostgresClient, org: UUID, id: Int64) async throws -> (String, String?, String?, Bool) {
        try await client.query(
            """
            SELECT status, provider_message_id, error_code, sent_at IS NOT NULL FROM campaign_messages
            WHERE org_id = \(org) AND id = \(id)
            """)[0].decode((String, String?, String?, Bool).self)
    }

    /// A callback event for a row (sid `SMtest<id>` unless given): `org` and `id` as the callback
    /// URL carries them (`…/<org>/<id>` today; `org` nil: the pre-011 `…/<id>`, or no id at all).
    static func event(
        _ id: Int64?, org: UUID?, sid: String? = nil, _ status: DeliveryStatus, error: Int? = nil,
        source: DeliveryEventSource = .callback
    ) -> DeliveryEvent {
        let sid = sid ?? "SMtest\(id ?? 0)"
        var raw: [(key: String, value: String)] = [("MessageSid", sid), ("MessageStatus", status.rawValue)]
        if let error { raw.append(("ErrorCode", String(error))) }
        return DeliveryEvent(
            orgID: org, messageID: id,
            report: CarrierStatusReport(
                providerMessageID: sid, status: status,
                error: error.map { CarrierError(twilioCode: $0, carrierStatus: status) }),
            raw: raw, source: source)
    }

    /// Rows in delivery_events / pending_delivery_events.
    static func eventCounts(_ client: PostgresClient) async throws -> (logged: Int64, staged: Int64) {
        try await client.query(
            "SELECT (SELECT count(*) FROM delivery_events), (SELECT count(*) FROM pending_delivery_events)"
        )[0].decode((Int64, Int64).self)
    }
}
