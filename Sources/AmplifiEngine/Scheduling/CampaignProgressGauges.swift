import AmplifiPostgres
import CoreMetrics
import Foundation
import Synchronization

/// Per-campaign progress for the dashboard: `amplifi_campaign_messages{campaign_id, org_id, state}`
/// (state = audience, queued, sent, failed, skipped) for the campaigns sending or paused now, at
/// most ``limit`` of them (the longest running first), so the label set stays bounded by the work
/// in progress. A campaign that finished, or fell out of the top, has its series removed on the
/// next refresh instead of showing its last value forever. Every scheduler publishes the same
/// values: the dashboard takes `max by (campaign_id)`.
final class CampaignProgressGauges: Sendable {
    /// Campaigns published at most (the dashboard's table, not an archive).
    let limit: Int
    private let published = Mutex<Set<[String]>>([])

    static let states = ["audience", "queued", "sent", "failed", "skipped"]

    init(limit: Int = 50) {
        self.limit = limit
    }

    /// Reads the counters of the running campaigns (one indexed query) and publishes them.
    func refresh(_ client: PostgresClient) async throws {
        let rows = try await client.query(
            """
            SELECT id, org_id, audience_count, queued_count, sent_count, failed_count, skipped_count
            FROM campaigns WHERE status IN ('sending', 'paused')
            ORDER BY status_changed_at LIMIT \(limit)
            """)
        var now: Set<[String]> = []
        for row in rows {
            let campaign = try row.decode(UUID.self, named: "id").uuidString.lowercased()
            let org = try row.decode(UUID.self, named: "org_id").uuidString.lowercased()
            let values = try [
                "audience_count", "queued_count", "sent_count", "failed_count", "skipped_count",
            ].map { try row.decode(Int64.self, named: $0) }
            for (state, value) in zip(Self.states, values) {
                let dimensions = [campaign, org, state]
                Self.gauge(dimensions).record(value)
                now.insert(dimensions)
            }
        }
        let gone = published.withLock { published in
            defer { published = now }
            return published.subtracting(now)
        }
        for dimensions in gone { Self.gauge(dimensions).destroy() }
    }

    private static func gauge(_ dimensions: [String]) -> Gauge {
        Gauge(
            label: "amplifi_campaign_messages",
            dimensions: [("campaign_id", dimensions[0]), ("org_id", dimensions[1]), ("state", dimensions[2])])
    }
}
