import Logging

extension PostgresConnection {
    /// Runs `body` inside `BEGIN … COMMIT`; any error thrown by `body` (or by COMMIT)
    /// rolls the transaction back and is rethrown.
    public nonisolated func withTransaction<Result>(
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await query("BEGIN")
        let result: Result
        do {
            result = try await body(self)
        } catch {
            await rollbackQuietly()
            throw error
        }
        do {
            try await query("COMMIT")
        } catch {
            await rollbackQuietly()
            throw error
        }
        return result
    }

    private func rollbackQuietly() async {
        do {
            try await query("ROLLBACK")
        } catch {
            // The connection is broken or closed; the pool discards it (not idle-in-transaction).
            logger.debug("rollback failed", metadata: ["error": "\(error)"])
        }
    }
}
