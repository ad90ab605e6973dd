public import AmplifiConcurrency
public import Logging

/// The process-wide entry point to Postgres: a bounded pool of
/// ``PostgresConnection``s plus shortcuts that lease one for a single call.
public final class PostgresClient: Sendable {
    /// The pool behind the client (for `withConnection` and tests).
    public let pool: ConnectionPool<PostgresConnection>
    /// The URL connections are opened with (may contain a password: never log it).
    let url: String

    /// Creates a client; no connection is opened until the first call.
    public init(url: String, maxConnections: Int = 10, logger: Logger = Logger(label: "amplifi.postgres")) {
        self.url = url
        self.pool = ConnectionPool(name: "postgres", maxConnections: maxConnections) {
            try await PostgresConnection.connect(url: url, logger: logger)
        }
    }

    /// Runs one statement on a pooled connection.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresResult {
        try await pool.withConnection { try await $0.query(query) }
    }

    /// Runs `body` with one leased connection (several statements, same session).
    public func withConnection<Result>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await pool.withConnection(body)
    }

    /// Runs `body` in a transaction on one leased connection; rolls back if it throws.
    public func withTransaction<Result>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await pool.withConnection { connection in
            try await connection.withTransaction(body)
        }
    }

    /// Closes every connection; calls made afterwards fail.
    public func close() async {
        await pool.close()
    }
}
