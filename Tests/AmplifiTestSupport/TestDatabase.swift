import AmplifiLocalServers
public import AmplifiPostgres
public import Foundation

/// Hands each test its own migrated database, cloned from a template.
///
/// The server is `AMPLIFI_TEST_DATABASE_URL` when set (a role that may CREATE
/// DATABASE), otherwise a private cluster started once per test process. The
/// template is migrated once; `CREATE DATABASE … TEMPLATE` then makes a copy in
/// milliseconds, so tests never see each other's rows.
public actor TestDatabase {
    /// The process-wide instance.
    public static let shared = TestDatabase()

    private var adminURL: String?
    /// The one preparation (server start + template migration) every caller awaits;
    /// a Task so that concurrent first callers share it instead of each starting a server.
    private var preparation: Task<(admin: String, template: String), any Error>?
    private var counter = 0
    private let runID = UUID().uuidString.prefix(8).lowercased()

    /// The repository's `sql/` directory (found from this file's path).
    public static let sqlDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sql")

    /// A new, migrated, empty database; returns its URL.
    public func createDatabase() async throws -> String {
        let (_, template) = try await prepare()
        return try await create(template: template)
    }

    /// A new database without any migration applied (upgrade tests apply some, add rows, then the
    /// rest); returns its URL. Drop it with ``dropDatabase(url:)``.
    public func createUnmigratedDatabase() async throws -> String {
        try await create(template: nil)
    }

    /// A new database copied from `template` (nil: the server's default, `template1`).
    private func create(template: String?) async throws -> String {
        let (admin, _) = try await prepare()
        counter += 1
        let name = "amplifi_test_\(runID)_\(counter)"
        let connection = try await PostgresConnection.connect(url: admin)
        defer { Task { await connection.close() } }
        try await connection.execute(script: "CREATE DATABASE \(name)" + (template.map { " TEMPLATE \($0)" } ?? ""))
        return Self.replacingDatabase(in: admin, with: name)
    }

    /// Drops a database made by ``createDatabase()``.
    public func dropDatabase(url: String) async {
        guard let adminURL, let name = url.split(separator: "/").last?.split(separator: "?").first else { return }
        guard let connection = try? await PostgresConnection.connect(url: adminURL) else { return }
        _ = try? await connection.execute(script: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        await connection.close()
    }

    private func prepare() async throws -> (admin: String, template: String) {
        if let preparation { return try await preparation.value }
        let runID = runID
        let task = Task { try await Self.startAndMigrate(runID: String(runID)) }
        preparation = task
        let prepared = try await task.value
        adminURL = prepared.admin
        return prepared
    }

    /// Holds the server started for this process, so it lives as long as the process.
    private static let startedServer = LockedBox<LocalPostgresServer?>(nil)

    private static func startAndMigrate(runID: String) async throws -> (admin: String, template: String) {
        let admin: String
        if let configured = ProcessInfo.processInfo.environment["AMPLIFI_TEST_DATABASE_URL"] {
            admin = configured
        } else {
            let server = try await LocalPostgresServer.start()
            startedServer.set(server)
            admin = server.url()
        }
        let template = "amplifi_template_\(runID)"
        let connection = try await PostgresConnection.connect(url: admin)
        try await connection.execute(script: "CREATE DATABASE \(template)")
        await connection.close()
        let templateConnection = try await PostgresConnection.connect(
            url: Self.replacingDatabase(in: admin, with: template))
        try await PostgresMigrator(directory: Self.sqlDirectory).migrate(templateConnection)
        await templateConnection.close()
        return (admin, template)
    }

    /// Swaps the database name in a `postgres://…/db?params` URL.
    static func replacingDatabase(in url: String, with database: String) -> String {
        let (base, query) = url.split(separator: "?", maxSplits: 1).map(String.init).splitFirst()
        var parts = base.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.count >= 4 { parts[parts.count - 1] = database } else { parts.append(database) }
        return parts.joined(separator: "/") + (query.map { "?" + $0 } ?? "")
    }
}

/// Runs `body` with a `PostgresClient` on a fresh migrated database, dropped afterwards.
public func withTestDatabase<Result>(
    maxConnections: Int = 4, _ body: (PostgresClient, String) async throws -> Result
) async throws -> Result {
    let url = try await TestDatabase.shared.createDatabase()
    let client = PostgresClient(url: url, maxConnections: maxConnections)
    do {
        let result = try await body(client, url)
        await client.close()
        await TestDatabase.shared.dropDatabase(url: url)
        return result
    } catch {
        await client.close()
        await TestDatabase.shared.dropDatabase(url: url)
        throw error
    }
}

extension Array where Element == String {
    fileprivate func splitFirst() -> (String, String?) {
        (self[0], count > 1 ? self[1] : nil)
    }
}
