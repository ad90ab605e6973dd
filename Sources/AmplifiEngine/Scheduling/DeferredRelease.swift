public import AmplifiPostgres
public import AmplifiRedis
import Foundation
public import Logging

/// Releases quiet-hours-deferred rows when their window opens: rows `deferred` until
/// a time that has passed go back to `pending`, and the chunks that got work again
/// are pushed to the fair queue (idempotent), so a campaign waiting for the morning
/// in some time zones picks up by itself. Rows of campaigns that are not `sending`
/// (paused, canceled…) stay deferred; resume re-plans and re-pushes them later.
public struct DeferredRelease: Sendable {
    let client: PostgresClient
    let chunks: FairChunkQueue
    let logger: Logger

    public init(client: PostgresClient, redis: RedisClient, keys: QueueKeys = QueueKeys(), logger: Logger) {
        self.client = client
        self.chunks = FairChunkQueue(client: redis, keys: keys, logger: logger)
        self.logger = logger
    }

    /// Releases due rows (at most `limit` per call) and returns how many.
    @discardableResult
    public func releaseDue(limit: Int = 50_000) async throws -> Int {
        // Why one statement: the due rows come from the partial index on defer_until,
        // and the chunks to push come back grouped in the same round-trip.
        let rows = try await client.query(
            """
            WITH due AS (
                SELECT m.org_id, m.id FROM campaign_messages m
                JOIN campaigns c ON c.id = m.campaign_id AND c.org_id = m.org_id AND c.status = 'sending'
                WHERE m.status = 'deferred' AND m.defer_until <= now()
                ORDER BY m.defer_until
                LIMIT \(limit)
                FOR UPDATE OF m SKIP LOCKED
            ), released AS (
                UPDATE campaign_messages m SET status = 'pending', defer_until = NULL, status_updated_at = now()
                FROM due WHERE m.org_id = due.org_id AND m.id = due.id
                RETURNING m.campaign_id, m.org_id, m.chunk
            )
            SELECT campaign_id, org_id, chunk, count(*)::int FROM released GROUP BY 1, 2, 3
            """)
        var jobs: [ChunkJob] = []
        var total = 0
        for row in rows {
            let (campaign, org, chunk, count) = try row.decode((UUID, UUID, Int, Int).self)
            jobs.append(ChunkJob(campaignID: campaign, orgID: org, chunk: chunk))
            total += count
        }
        if !jobs.isEmpty {
            _ = try await chunks.push(jobs: jobs)
            logger.info("released deferred messages", metadata: ["messages": "\(total)", "chunks": "\(jobs.count)"])
        }
        return total
    }
}
