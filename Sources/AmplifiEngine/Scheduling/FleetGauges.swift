import AmplifiMessaging
import AmplifiPostgres
import AmplifiRedis
import CoreMetrics
import Logging
import Synchronization

/// The fleet-wide gauges a scheduler publishes on its reconcile ticks, so one scrape target answers
/// "how much work is waiting": chunk jobs queued and leased, admissions not yet planned, campaigns
/// by status, unfinished messages by status, how long the oldest due campaign has waited to start
/// (`amplifi_admission_lag_seconds`), how long the oldest sending campaign has been sending
/// (`amplifi_oldest_sending_campaign_seconds`) and how long the oldest queued chunk job has
/// waited at the head of its organization's queue (`amplifi_oldest_queued_chunk_seconds`), and
/// the running campaigns' progress (``CampaignProgressGauges``). Four Redis reads and four queries, each bounded by the work in progress (the message counts use the
/// partial index over unfinished rows).
///
/// Queued jobs carry no enqueue time, so the chunk age is observed: the scheduler remembers when
/// it first saw each organization's current head job, and the age is the longest any head has
/// stayed the same — a lower bound, to one reconcile interval, of how long a job has waited.
struct FleetGauges: Sendable {
    let client: PostgresClient
    let chunks: FairChunkQueue
    let admissions: AdmissionQueue
    let headWatch = QueueHeadWatch()
    let progress = CampaignProgressGauges()

    /// Message statuses that are not final, the ones an operator watches drain.
    static let unfinished: [MessageStatus] = [.pending, .deferred, .held, .sending, .unknown]

    /// Measures and records every gauge.
    func refresh() async throws {
        Gauge(label: "amplifi_chunk_queue_depth").record(try await chunks.totalDepth())
        Gauge(label: "amplifi_chunk_leases").record(try await chunks.leasedCount())
        Gauge(label: "amplifi_admissions_pending").record(try await admissions.pendingCount())
        Gauge(label: "amplifi_oldest_queued_chunk_seconds").record(
            headWatch.oldestAge(try await chunks.heads()).asSeconds)

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
        try await progress.refresh(client)
    }
}

/// When the scheduler first saw each organization's current head job (see ``FleetGauges``).
final class QueueHeadWatch: Sendable {
    private let seen = Mutex<[String: (job: String, since: ContinuousClock.Instant)]>([:])

    /// The longest time any organization's current head job has been its head, given `heads` now.
    func oldestAge(_ heads: [String: String], now: ContinuousClock.Instant = .now) -> Duration {
        seen.withLock { seen in
            var next: [String: (job: String, since: ContinuousClock.Instant)] = [:]
            for (org, job) in heads {
                if let earlier = seen[org], earlier.job == job {
                    next[org] = earlier
                } else {
                    next[org] = (job, now)
                }
            }
            seen = next
            return next.values.map { now - $0.since }.max() ?? .zero
        }
    }
}
