import AmplifiMessaging
public import AmplifiPostgres
public import AmplifiRedis
public import Foundation
public import Logging

/// Picks an A/B test's winner (`amplifi campaign ab-winner ID A|B`, or the automatic
/// decision later) and releases the 90% holdout to it: one transaction sets the winner
/// (only if none is set yet, so two callers can never pick differently) and turns every
/// `held` row `pending`; the chunks that now have work are pushed to the fair queue
/// (idempotent). The rows then render with the winner's message.
public struct ABWinnerSelection: Sendable {
    /// A chunk that got work when the holdout was released.
    struct ReleasedChunk: Sendable {
        var chunk: Int
        var rows: Int
    }

    let client: PostgresClient
    let chunks: FairChunkQueue
    let logger: Logger

    public init(client: PostgresClient, redis: RedisClient, keys: QueueKeys = QueueKeys(), logger: Logger) {
        self.client = client
        self.chunks = FairChunkQueue(client: redis, keys: keys, logger: logger)
        self.logger = logger
    }

    /// Sets `variant` ("A" or "B") as the winner and returns how many held rows were released.
    @discardableResult
    public func choose(campaignID: UUID, orgID: UUID, variant: String) async throws -> Int {
        let winner = variant.uppercased()
        guard winner == "A" || winner == "B" else {
            throw EngineError(.validationFailed, "the winner must be A or B", field: "variant")
        }
        let released: [ReleasedChunk] = try await client.withTransaction { connection in
            let set = try await connection.query(
                """
                UPDATE campaigns SET ab_winner = \(winner), ab_decided_at = now()
                WHERE id = \(campaignID) AND org_id = \(orgID) AND ab_test AND ab_winner IS NULL
                  AND status NOT IN ('completed', 'failed', 'canceled')
                """)
            guard set.affectedRows == 1 else {
                let current = try await connection.query(
                    "SELECT ab_test, ab_winner, status FROM campaigns WHERE id = \(campaignID) AND org_id = \(orgID)")
                guard let row = current.first else {
                    throw EngineError(
                        .notFound, "no campaign \(campaignID.uuidString.lowercased()) in this organization", field: "id"
                    )
                }
                let (abTest, existing, status) = try row.decode((Bool, String?, String).self)
                if !abTest { throw EngineError(.validationFailed, "the campaign is not an A/B test", field: "variant") }
                if let existing { throw EngineError(.conflict, "the winner is already \(existing)", field: "variant") }
                throw EngineError(
                    .invalidTransition, "the campaign is \(status); no winner can be picked", field: "status")
            }
            // Why one UPDATE with RETURNING DISTINCT-by-GROUP: the released chunks are what
            // the fair queue needs, and they come back in the same round-trip.
            let rows = try await connection.query(
                """
                WITH released AS (
                    UPDATE campaign_messages SET status = 'pending', status_updated_at = now()
                    WHERE campaign_id = \(campaignID) AND org_id = \(orgID) AND status = 'held'
                    RETURNING chunk
                )
                SELECT chunk, count(*)::int FROM released GROUP BY chunk ORDER BY chunk
                """)
            return try rows.map { row in
                let (chunk, count) = try row.decode((Int, Int).self)
                return ReleasedChunk(chunk: chunk, rows: count)
            }
        }
        _ = try await chunks.push(
            jobs: released.map { ChunkJob(campaignID: campaignID, orgID: orgID, chunk: $0.chunk) })
        let total = released.reduce(0) { $0 + $1.rows }
        logger.info(
            "A/B winner chosen",
            metadata: ["campaign_id": .id(campaignID), "winner": "\(winner)", "released": "\(total)"])
        return total
    }
}
