public import AmplifiPostgres
public import Foundation

/// Remembers, per organization and `Idempotency-Key`, a POST's fingerprint and first response for
/// 24 hours (`api_idempotency`), so a client's retry gets the first answer and creates nothing new.
///
/// `begin` claims the key with one `INSERT … ON CONFLICT DO NOTHING`: exactly one of any number of
/// concurrent requests with the key wins and runs; the others find the row and either replay its
/// response, see a different fingerprint (the key reused for another request), or find it still in
/// progress. A request that failed gives its key back (`abandon`), so the retry runs again.
public struct IdempotencyStore: Sendable {
    /// How long a key is remembered.
    public static let retention: Duration = .seconds(24 * 3_600)

    /// What `begin` found.
    public enum Claim: Sendable, Equatable {
        /// The key is new: handle the request, then `finish` (or `abandon`).
        case claimed
        /// The first request with this key answered this.
        case replay(status: Int, body: [UInt8])
        /// The key was used for a different request (method, path or body).
        case mismatch
        /// The first request with this key is still being handled.
        case inProgress
    }

    let client: PostgresClient

    /// A store over `client`.
    public init(client: PostgresClient) {
        self.client = client
    }

    /// Claims `key` for a request with `fingerprint`, or says what an earlier request did with it.
    public func begin(orgID: UUID, key: String, fingerprint: [UInt8]) async throws -> Claim {
        let retention = Self.retention.asSeconds
        // A row past its retention is forgotten first, so the key can be used again.
        let rows = try await client.query(
            """
            WITH expired AS (
                DELETE FROM api_idempotency
                WHERE org_id = \(orgID) AND idempotency_key = \(key)
                  AND created_at < now() - make_interval(secs => \(retention)::float8)
            )
            INSERT INTO api_idempotency (org_id, idempotency_key, fingerprint)
            VALUES (\(orgID), \(key), \(PostgresBytes(fingerprint)))
            ON CONFLICT (org_id, idempotency_key) DO NOTHING
            RETURNING true
            """)
        if !rows.isEmpty { return .claimed }
        guard
            let row = try await client.query(
                """
                SELECT fingerprint, response_status::int, response_body FROM api_idempotency
                WHERE org_id = \(orgID) AND idempotency_key = \(key)
                """
            ).first
        else { return .inProgress }  // forgotten in between: the caller asks again
        let (stored, status, body) = try row.decode((PostgresBytes, Int?, PostgresBytes?).self)
        if stored.bytes != fingerprint { return .mismatch }
        guard let status else { return .inProgress }
        return .replay(status: status, body: body?.bytes ?? [])
    }

    /// Records the response of the request that claimed `key`.
    public func finish(orgID: UUID, key: String, status: Int, body: [UInt8]) async throws {
        try await client.query(
            """
            UPDATE api_idempotency SET response_status = \(status), response_body = \(PostgresBytes(body))
            WHERE org_id = \(orgID) AND idempotency_key = \(key)
            """)
    }

    /// Gives `key` back after its request failed, so a retry runs again.
    public func abandon(orgID: UUID, key: String) async throws {
        try await client.query(
            """
            DELETE FROM api_idempotency
            WHERE org_id = \(orgID) AND idempotency_key = \(key) AND response_status IS NULL
            """)
    }

    /// Forgets keys past their retention (any replica may run it; through the created_at index).
    @discardableResult
    public func purgeExpired() async throws -> Int {
        try await client.query(
            """
            DELETE FROM api_idempotency
            WHERE created_at < now() - make_interval(secs => \(Self.retention.asSeconds)::float8)
            """
        ).affectedRows
    }
}
