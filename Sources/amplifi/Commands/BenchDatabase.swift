import AmplifiLocalServers
import AmplifiPostgres
import ArgumentParser
import Logging

/// The benchmarks' database: a private durable Postgres started for the run, migrated.
enum BenchDatabase {
    /// Starts the server and migrates it; the caller stops the server.
    static func start(logger: Logger) async throws -> LocalPostgresServer {
        guard let sql = PostgresMigrator.defaultDirectory() else {
            throw ValidationError(
                "cannot find the sql/ migrations folder: run from the repository root or set AMPLIFI_SQL_DIR")
        }
        let postgres = try await LocalPostgresServer.start(durable: true)
        let connection = try await PostgresConnection.connect(url: postgres.url())
        try await PostgresMigrator(directory: sql, logger: logger).migrate(connection)
        await connection.close()
        return postgres
    }
}
