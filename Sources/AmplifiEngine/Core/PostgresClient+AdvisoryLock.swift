import AmplifiPostgres

extension PostgresClient {
    /// Runs `body` while this process holds the session-level advisory lock (`space`,
    /// `hashtext(key)`) on one pooled connection — or returns nil at once when another session holds
    /// it. The lock is released after `body`, also when it throws (and with the session if the
    /// process dies), so "one at a time across the fleet" never outlives its holder.
    func withAdvisoryLockIfFree<Result>(
        space: Int32, key: String, _ body: () async throws -> Result
    ) async throws -> Result? {
        try await withConnection { connection in
            let locked = try await connection.query("SELECT pg_try_advisory_lock(\(space), hashtext(\(key)))")[0]
                .decode(Bool.self, at: 0)
            guard locked else { return nil }
            let unlock: PostgresQuery = "SELECT pg_advisory_unlock(\(space), hashtext(\(key)))"
            let result: Result
            do {
                result = try await body()
            } catch {
                _ = try? await connection.query(unlock)
                throw error
            }
            try await connection.query(unlock)
            return result
        }
    }
}
