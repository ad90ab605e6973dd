public import Foundation
public import Logging

/// Applies numbered SQL migrations (`NNN_name.sql`) exactly once each, in order.
///
/// Safe when several processes migrate at the same moment: a session-level advisory
/// lock serializes them, and the second finds nothing left to do. Each file runs in
/// its own transaction together with the row that records it, so a failing
/// migration leaves no trace and can be fixed and rerun.
public struct PostgresMigrator: Sendable {
    /// One migration file.
    public struct Migration: Sendable, Equatable {
        /// The number that orders migrations (`001` → 1).
        public var version: Int
        /// The file name without number and extension.
        public var name: String
        /// The SQL text.
        public var sql: String

        public init(version: Int, name: String, sql: String) {
            self.version = version
            self.name = name
            self.sql = sql
        }
    }

    /// Why migrating could not proceed.
    public struct MigrationError: Error, CustomStringConvertible, Sendable {
        /// What went wrong, for a person.
        public var description: String
    }

    /// The advisory lock key shared by every migrating process ("amplifi" in ASCII).
    static let lockKey: Int64 = 0x616d_706c_6966_69

    /// The migrations to apply.
    public let migrations: [Migration]
    let logger: Logger

    public init(migrations: [Migration], logger: Logger = Logger(label: "amplifi.migrate")) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Reads `NNN_name.sql` files from a directory.
    public init(directory: URL, logger: Logger = Logger(label: "amplifi.migrate")) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError(
                description: "cannot read migrations from \(directory.path): \(error.localizedDescription)")
        }
        var migrations: [Migration] = []
        for name in names where name.hasSuffix(".sql") {
            let stem = name.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
                throw MigrationError(description: "migration file \(name) is not named NNN_name.sql")
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            migrations.append(
                Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        let versions = migrations.map(\.version)
        if Set(versions).count != versions.count {
            throw MigrationError(description: "two migration files in \(directory.path) share a number")
        }
        self.init(migrations: migrations, logger: logger)
    }

    /// Applies what is pending and returns the migrations applied by this call.
    @discardableResult
    public func migrate(_ connection: PostgresConnection) async throws -> [Migration] {
        try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))")
        do {
            let applied = try await applyPending(connection)
            try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
            return applied
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))")
            throw error
        }
    }

    private func applyPending(_ connection: PostgresConnection) async throws -> [Migration] {
        try await connection.execute(
            script: """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        let rows = try await connection.query("SELECT version FROM schema_migrations")
        let done = Set(try rows.map { try $0.decode(Int.self, at: 0) })
        var applied: [Migration] = []
        for migration in migrations where !done.contains(migration.version) {
            logger.info(
                "applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            try await connection.withTransaction { connection in
                try await connection.execute(script: migration.sql)
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))")
            }
            applied.append(migration)
        }
        return applied
    }

    /// Finds the project's `sql/` folder: `AMPLIFI_SQL_DIR`, then `./sql`, then
    /// `../share/amplifi/sql` beside the executable (the Docker image's layout).
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        var candidates: [URL] = []
        if let configured = environment["AMPLIFI_SQL_DIR"] { candidates.append(URL(fileURLWithPath: configured)) }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("sql"))
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(
            executable.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("share/amplifi/sql"))
        return candidates.first {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("001_core.sql").path)
        }
            ?? candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }
}
