import AmplifiPostgres
import Foundation

/// The demo's live progress line: counts by message status for one campaign, rate and ETA.
struct DemoProgress {
    let client: PostgresClient
    let campaign: UUID
    let started = ContinuousClock.now

    /// Counts by status (sent, failed, skipped, deferred, pending, sending, held).
    func counts() async throws -> [String: Int] {
        let rows = try await client.query(
            "SELECT status, count(*)::int FROM campaign_messages WHERE campaign_id = \(campaign) GROUP BY status")
        return Dictionary(uniqueKeysWithValues: try rows.map { try $0.decode((String, Int).self) })
    }

    /// Redraws the progress line; returns the counts it drew.
    @discardableResult
    func draw(total: Int) async throws -> [String: Int] {
        let counts = try await counts()
        let done = ["sent", "failed", "skipped", "deferred"].reduce(0) { $0 + (counts[$1] ?? 0) }
        let elapsed = Double((ContinuousClock.now - started).components.seconds)
            + Double((ContinuousClock.now - started).components.attoseconds) / 1e18
        let rate = elapsed > 0 ? Double(counts["sent"] ?? 0) / elapsed : 0
        let left = (counts["pending"] ?? 0) + (counts["sending"] ?? 0)
        let eta = rate > 0 ? "\(Int((Double(left) / rate).rounded()))s" : "-"
        let width = 30
        let filled = total > 0 ? min(width, done * width / total) : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = "   \(bar) sent \(counts["sent"] ?? 0)  failed \(counts["failed"] ?? 0)  "
            + "skipped \(counts["skipped"] ?? 0)  deferred \(counts["deferred"] ?? 0)  "
            + "\(Int(rate)) msg/s  ETA \(eta)   "
        print("\r" + line, terminator: "")
        fflush(nil)  // flushes every output stream, stdout included
        return counts
    }
}
