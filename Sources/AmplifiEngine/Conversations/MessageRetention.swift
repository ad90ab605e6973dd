public import AmplifiPostgres
import Foundation

/// Removes conversation texts past their organization's retention window
/// (`organizations.message_retention_days`, sql/021_message_retention.sql): the text of inbound
/// messages and of finished replies, and the preview of conversations whose latest message is that
/// old, each with the time it was removed. Rows, counts and statuses stay. Run by the scheduler
/// (any number of replicas: each run is idempotent), at most `limit` rows of each kind per
/// organization and run, oldest first, through the partial indexes over unredacted rows.
public struct MessageRetention: Sendable {
    let client: PostgresClient

    /// Retention over `client`.
    public init(client: PostgresClient) {
        self.client = client
    }

    /// The keys of the oldest `limit` rows of `table` past each organization's cutoff and not
    /// redacted yet (by `time`, through the table's partial index over unredacted rows).
    static func oldest(_ table: String, time: String, redacted: String, also: String = "", limit: Int) -> String {
        """
        SELECT x.org_id, x.id FROM orgs o CROSS JOIN LATERAL (
            SELECT m.org_id, m.id FROM \(table) m
            WHERE m.org_id = o.id AND m.\(time) < o.cutoff AND m.\(redacted) IS NULL\(also)
            ORDER BY m.\(time) LIMIT \(limit)) x
        """
    }

    static func redactQuery(limit: Int) -> PostgresQuery {
        let inbound = oldest("inbound_messages", time: "received_at", redacted: "body_redacted_at", limit: limit)
        let replies = oldest(
            "reply_messages", time: "created_at", redacted: "body_redacted_at",
            also: " AND m.status NOT IN ('pending', 'sending')", limit: limit)
        let previews = oldest(
            "conversations", time: "last_message_at", redacted: "last_message_body_redacted_at", limit: limit)
        return """
            WITH orgs AS (
                SELECT id, now() - make_interval(days => message_retention_days) AS cutoff
                FROM organizations WHERE message_retention_days IS NOT NULL
            ), inbound AS (
                UPDATE inbound_messages i SET body = '', media_urls = '{}', body_redacted_at = now()
                WHERE (i.org_id, i.id) IN (\(unescaped: inbound))
                RETURNING 1
            ), replies AS (
                UPDATE reply_messages r SET body = '', body_redacted_at = now()
                WHERE (r.org_id, r.id) IN (\(unescaped: replies))
                RETURNING 1
            ), previews AS (
                UPDATE conversations t SET last_preview = '', last_message_body_redacted_at = now()
                WHERE (t.org_id, t.id) IN (\(unescaped: previews))
                RETURNING 1
            )
            SELECT ((SELECT count(*) FROM inbound) + (SELECT count(*) FROM replies)
                    + (SELECT count(*) FROM previews))::int
            """
    }

    /// Redacts what is past every organization's window, up to `limit` rows of each kind per
    /// organization; returns how many rows changed (run again while it is not 0 to catch up).
    public func redactExpired(limit: Int = 5_000) async throws -> Int {
        try await client.query(Self.redactQuery(limit: max(1, limit)))[0].decode(Int.self, at: 0)
    }
}
