import AmplifiLocalServers
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

@Suite("Migrations apply once, in order, also when two processes race")
struct PostgresMigratorTests {
    static let migrations = [
        PostgresMigrator.Migration(
            version: 1, name: "one", sql: "CREATE TABLE one (id int); INSERT INTO one VALUES (1);"),
        PostgresMigrator.Migration(version: 2, name: "two", sql: "INSERT INTO one VALUES (2);"),
    ]

    @Test func concurrentMigratorsApplyEachMigrationOnce() async throws {
        let server = try await LocalPostgresServer.start()
        defer { server.stop() }
        let migrator = PostgresMigrator(migrations: Self.migrations)
        let applied = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let connection = try await PostgresConnection.connect(url: server.url())
                    let applied = try await migrator.migrate(connection)
                    await connection.close()
                    return applied.count
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(applied == 2)
        let connection = try await PostgresConnection.connect(url: server.url())
        let rows = try await connection.query("SELECT id FROM one ORDER BY id").map { try $0.decode(Int.self, at: 0) }
        #expect(rows == [1, 2])
        #expect(try await migrator.migrate(connection).isEmpty)
        await connection.close()
    }

    @Test func aFailingMigrationLeavesNoTrace() async throws {
        let server = try await LocalPostgresServer.start()
        defer { server.stop() }
        let broken = PostgresMigrator(
            migrations: Self.migrations + [
                .init(version: 3, name: "broken", sql: "CREATE TABLE three (id int); SELECT no_such_function();")
            ])
        let connection = try await PostgresConnection.connect(url: server.url())
        await #expect(throws: PostgresError.self) { try await broken.migrate(connection) }
        let versions = try await connection.query("SELECT version FROM schema_migrations ORDER BY 1").map {
            try $0.decode(Int.self, at: 0)
        }
        #expect(versions == [1, 2])
        let three = try await connection.query("SELECT to_regclass('three') IS NULL")[0].decode(Bool.self, at: 0)
        #expect(three)
        await connection.close()
    }

    @Test func readsNumberedFilesAndRejectsBadNames() throws {
        let directory = try LocalNetwork.temporaryDirectory(prefix: "migrations")
        try "SELECT 1;".write(to: directory.appendingPathComponent("002_second.sql"), atomically: true, encoding: .utf8)
        try "SELECT 1;".write(to: directory.appendingPathComponent("001_first.sql"), atomically: true, encoding: .utf8)
        let migrator = try PostgresMigrator(directory: directory)
        #expect(migrator.migrations.map(\.name) == ["first", "second"])
        try "SELECT 1;".write(to: directory.appendingPathComponent("third.sql"), atomically: true, encoding: .utf8)
        #expect(throws: PostgresMigrator.MigrationError.self) { try PostgresMigrator(directory: directory) }
    }

    @Test func projectMigrationsApplyToAnEmptyDatabase() async throws {
        // withTestDatabase clones a template that ran every file in sql/.
        try await withTestDatabase { client, _ in
            let count = try await client.query("SELECT count(*) FROM schema_migrations")[0].decode(Int.self, at: 0)
            let files = try FileManager.default.contentsOfDirectory(atPath: TestDatabase.sqlDirectory.path).filter {
                $0.hasSuffix(".sql")
            }
            #expect(count == files.count)
        }
    }
}
