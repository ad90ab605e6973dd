import AmplifiEngine
import AmplifiPostgres
import AmplifiRedis
import Foundation
import Logging

/// The demo's inbound traffic over real HTTP: some A/B sample recipients answer YES (auto-replied,
/// credited to the campaign, deciding the A/B test), two text STOP; and the wait for the carrier's
/// last status callbacks.
enum DemoReplies {
    /// YES from every 20th recipient of A and every 10th of B, STOP from two of A; returns the counts.
    static func send(client: PostgresClient, org: UUID, campaign: UUID, carrier: DemoCarrier) async throws -> (
        yes: Int, stop: Int
    ) {
        let rows = try await client.query(
            """
            SELECT m.variant, m.phone, p.e164
            FROM campaign_messages m
            JOIN campaigns c ON c.id = m.campaign_id AND c.org_id = m.org_id
            JOIN phone_numbers p ON p.org_id = m.org_id AND p.is_default
            WHERE m.org_id = \(org) AND m.campaign_id = \(campaign) AND m.variant IN ('A', 'B')
              AND m.status IN ('sent', 'delivered', 'undelivered')
            ORDER BY m.id
            """)
        var yes = 0
        var stop = 0
        var seen: [String: Int] = [:]
        for row in rows {
            let (variant, phone, number) = try row.decode((String, String, String).self)
            let position = seen[variant, default: 0]
            seen[variant] = position + 1
            let body: String?
            if variant == "A" && (position == 3 || position == 8) {
                body = "STOP"
            } else if position % (variant == "A" ? 20 : 10) == 0 {
                body = "Yes!"
            } else {
                body = nil
            }
            guard let body else { continue }
            let status = try await carrier.simulateInbound(from: phone, to: number, body: body)
            guard status == 200 else { continue }
            if body == "STOP" { stop += 1 } else { yes += 1 }
        }
        return (yes, stop)
    }

    /// Decides the A/B test now (ops would wait `abDecideAfter`) by the recorded reply rates.
    static func decideNow(
        client: PostgresClient, redis: RedisClient, keys: QueueKeys, campaign: UUID, logger: Logger
    ) async throws -> [ABWinnerDecider.Decision] {
        try await client.query(
            """
            UPDATE campaigns SET ab_decide_after = interval '1 second',
                                 started_at = least(started_at, now() - interval '1 second')
            WHERE id = \(campaign)
            """)
        return try await ABWinnerDecider(client: client, redis: redis, keys: keys, logger: logger).decideDue()
    }

    /// Waits (up to 60 s) until no accepted message still waits for its final status callback.
    static func waitForCallbacks(client: PostgresClient, campaign: UUID) async throws {
        print("   waiting for the last status callbacks …")
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let open = try await client.query(
                "SELECT count(*)::int FROM campaign_messages WHERE campaign_id = \(campaign) AND status = 'sent'"
            )[0].decode(Int.self, at: 0)
            if open == 0 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
