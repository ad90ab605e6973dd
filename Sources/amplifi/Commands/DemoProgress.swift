import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import Foundation

/// A live progress line for one campaign: counts by message status, rate and ETA. `amplifi demo`
/// draws it with the rate averaged since start; `amplifi campaign watch` with the rate over the
/// last interval plus the campaign's status (see ``snapshot()`` and ``line(_:rate:)``).
struct DemoProgress {
    let client: PostgresClient
    let campaign: UUID
    /// The campaign's organization; nil (the demo) counts by campaign id alone.
    let orgID: UUID?
    let started = ContinuousClock.now

    /// The statuses the line always shows, in order (delivered/undelivered are added when present).
    static let shownStatuses = [
        "sent", "failed", "skipped", "deferred", "pending", "sending", "held", "unknown", "canceled",
    ]
    /// Rows still waiting for an outcome; everything else counts as settled for the rate.
    static let openStatuses: Set<String> = ["pending", "sending", "deferred", "held", "unknown"]

    init(client: PostgresClient, campaign: UUID, orgID: UUID? = nil) {
        self.client = client
        self.campaign = campaign
        self.orgID = orgID
    }

    /// One reading: the campaign's status and reason, counts by message status, and when it was taken.
    struct Snapshot {
        var status: String
        var statusReason: String?
        var counts: [String: Int]
        var at: ContinuousClock.Instant

        /// Rows with an outcome (neither open nor in flight); grows monotonically while sending.
        var settled: Int { counts.filter { !DemoProgress.openStatuses.contains($0.key) }.values.reduce(0, +) }
        /// Rows the senders still have to work through now (pending or in flight).
        var remaining: Int { (counts["pending"] ?? 0) + (counts["sending"] ?? 0) }
        /// All rows of the campaign.
        var total: Int { counts.values.reduce(0, +) }
    }

    // Counts by status over the partial/campaign index; the org filter when the org is known (watch).
    static func countsQuery(campaign: UUID, orgID: UUID?) -> PostgresQuery {
        guard let orgID else {
            return "SELECT status, count(*)::int FROM campaign_messages WHERE campaign_id = \(campaign) GROUP BY status"
        }
        return """
            SELECT status, count(*)::int FROM campaign_messages
            WHERE org_id = \(orgID) AND campaign_id = \(campaign) GROUP BY status
            """
    }

    // Campaign status and message counts in ONE round trip per tick: the LEFT JOIN keeps the campaign
    // row when it has no messages yet (m.status NULL, count 0).
    static func snapshotQuery(campaign: UUID, orgID: UUID) -> PostgresQuery {
        """
        SELECT c.status, c.status_reason, m.status, count(m.id)::int
        FROM campaigns c
        LEFT JOIN campaign_messages m ON m.org_id = c.org_id AND m.campaign_id = c.id
        WHERE c.id = \(campaign) AND c.org_id = \(orgID)
        GROUP BY c.status, c.status_reason, m.status
        """
    }

    /// Counts by status (sent, failed, skipped, deferred, pending, sending, held, …).
    func counts() async throws -> [String: Int] {
        let rows = try await client.query(Self.countsQuery(campaign: campaign, orgID: orgID))
        return Dictionary(uniqueKeysWithValues: try rows.map { try $0.decode((String, Int).self) })
    }

    /// The campaign's status and counts now; nil when the campaign is not in the organization
    /// (needs `orgID`).
    func snapshot() async throws -> Snapshot? {
        guard let orgID else { preconditionFailure("DemoProgress.snapshot needs the campaign's orgID") }
        let rows = try await client.query(Self.snapshotQuery(campaign: campaign, orgID: orgID))
        guard let first = rows.first else { return nil }
        let (status, reason) = try first.decode((String, String?).self)
        var counts: [String: Int] = [:]
        for row in rows {
            if let messageStatus = try row.decode(String?.self, at: 2) {
                counts[messageStatus] = try row.decode(Int.self, at: 3)
            }
        }
        return Snapshot(status: status, statusReason: reason, counts: counts, at: .now)
    }

    /// Seconds in a duration, as a Double.
    static func seconds(_ duration: Duration) -> Double {
        duration.asSeconds
    }

    /// The line for `counts`: a bar of settled rows over `total`, every shown status, the rate and
    /// the ETA of the rows left (pending + sending) at that rate.
    static func line(counts: [String: Int], total: Int, rate: Double) -> String {
        let done = ["sent", "failed", "skipped", "deferred"].reduce(0) { $0 + (counts[$1] ?? 0) }
        let left = (counts["pending"] ?? 0) + (counts["sending"] ?? 0)
        let eta: String
        if left == 0 {
            eta = "0s"
        } else if rate > 0 {
            let seconds = Saturating.int(Double(left) / rate)
            eta = seconds == 0 ? "<1s" : "\(seconds)s"
        } else {
            eta = "-"
        }
        let width = 30
        let filled = total > 0 ? min(width, done * width / total) : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        var parts = shownStatuses.map { "\($0) \(counts[$0] ?? 0)" }
        for extra in ["delivered", "undelivered"] where (counts[extra] ?? 0) > 0 {
            parts.append("\(extra) \(counts[extra] ?? 0)")
        }
        return "\(bar) " + parts.joined(separator: "  ") + "  \(Saturating.int(rate)) msg/s  ETA \(eta)"
    }

    /// Writes `line` in place (carriage return, no newline) on a terminal, or as its own line otherwise
    /// (logs and pipes get one readable line per tick).
    static func show(_ line: String, inPlace: Bool) {
        if inPlace {
            print("\r" + line + "   ", terminator: "")
        } else {
            print(line)
        }
        fflush(nil)  // flushes every output stream, stdout included
    }

    /// Redraws the demo's progress line (messages sent since start, beyond `sentBefore`, per
    /// second); returns the counts it drew.
    @discardableResult
    func draw(total: Int, sentBefore: Int = 0) async throws -> [String: Int] {
        let counts = try await counts()
        let elapsed = Self.seconds(ContinuousClock.now - started)
        let rate = elapsed > 0 ? Double((counts["sent"] ?? 0) - sentBefore) / elapsed : 0
        Self.show("   " + Self.line(counts: counts, total: total, rate: rate), inPlace: true)
        return counts
    }
}
