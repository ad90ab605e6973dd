import AmplifiMessaging
import AmplifiPostgres
import AmplifiRedis
import CoreMetrics
import Logging

/// The fleet-wide gauges a scheduler publishes on its reconcile ticks, so one scrape target answers
/// "how much work is waiting": chunk jobs queued and leased, admissions not yet planned, campaigns
/// by status, unfinished messages by status, how long the oldest due campaign has waited to start
/// (`amplifi_admission_lag_seconds`) and how long the oldest sending campaign has been sending
/// (`amplifi_oldest_sending_campaign_seconds`). Three Redis reads and three queries, each bounded by
/// the work in progress (the message counts use the partial index over unfinished rows).
struct FleetGauges: Sendable {
    let client: PostgresClient
    let chunks: FairChunkQueue
    let admissions: AdmissionQueue

    /// Message statuses that are not final, the ones an operator watches drain.
    static let unfinished: [MessageStatus] = [.pending, .deferred, .held, .sending, .unknown]

    /// Measures and records every gauge.
    func refresh() async throws {
        Gauge(label: "amplifi_chunk_queue_depth").record(try await chunks.totalDepth())
        Gauge(label: "amplifi_chunk_leases").record(try await chunks.leasedCount())
        Gauge(label: "amplifi_admissions_pending").record(try await admissions.pendingCount())

        var campaigns = Dictionary(uniqueKeysWithValues: CampaignStatus.allCases.map { ($0.rawValue, 0) })
        for row in try await client.query("SELECT status, count(*)::int FROM campaigns GROUP BY status") {
            let (status, count) = try row.decode((String, Int).self)
            campaigns[status] = count
        }
        for (status, count) in campaigns {
            Gauge(label: "amplifi_campaigns", dimensions: [("status", status)]).record(count)
        }

        let ages = try await client.query(
            """
            SELECT coalesce(extract(epoch FROM now() - min(CASE WHEN status = 'scheduled' THEN scheduled_for
                                                           ELSE status_changed_at END)
                                    FILTER (WHERE status <> 'sending')), 0)::float8,
                   coalesce(extract(epoch FROM now() - min(status_changed_at) FILTER (WHERE status = 'sending')),
                            0)::float8
            FROM campaigns
            WHERE status IN ('pending', 'queued', 'sending') OR (status = 'scheduled' AND scheduled_for <= now())
            """)
        if let row = ages.first {
            let (admissionLag, oldestSending) = try row.decode((Double, Double).self)
            Gauge(label: "amplifi_admission_lag_seconds").record(admissionLag)
            Gauge(label: "amplifi_oldest_sending_campaign_seconds").record(oldestSending)
        }

        var messages = Dictionary(uniqueKeysWithValues: Self.unfinished.map { ($0.rawValue, 0) })
        let list = Self.unfinished.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        for row in try await client.query(
            "SELECT status, count(*)::int FROM campaign_messages WHERE status IN (\(unescaped: list)) GROUP BY status")
        {
            let (status, count) = try row.decode((String, Int).self)
            messages[status] = count
        }
        for (status, count) in messages {
            Gauge(label: "amplifi_messages_unfinished", dimensions: [("status", status)]).record(count)
        }
    }
}
