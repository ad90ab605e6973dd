import AmplifiLocalServers
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

@Suite("amplifi migrate (the real executable)")
struct MigrateCommandTests {
    @Test func twoConcurrentMigrateProcessesApplyEachMigrationOnce() async throws {
        let server = try await LocalPostgresServer.start()
        defer { server.stop() }
        async let first = AmplifiExecutable.run(
            ["migrate", "--json"], environment: ["AMPLIFI_DATABASE_URL": server.url()])
        async let second = AmplifiExecutable.run(
            ["migrate", "--json"], environment: ["AMPLIFI_DATABASE_URL": server.url()])
        let outputs = try await [first, second]
        #expect(outputs.allSatisfy { $0.status == 0 }, "\(outputs)")
        let files = try FileManager.default.contentsOfDirectory(atPath: TestDatabase.sqlDirectory.path).filter {
            $0.hasSuffix(".sql")
        }
        // Between them, the two runs applied every file exactly once.
        let appliedCounts = outputs.map { $0.stdout.components(separatedBy: "\"version\"").count - 1 }
        #expect(appliedCounts.reduce(0, +) == files.count)
        let connection = try await PostgresConnection.connect(url: server.url())
        let recorded = try await connection.query("SELECT count(*), count(DISTINCT version) FROM schema_migrations")[0]
            .decode((Int, Int).self)
        #expect(recorded == (files.count, files.count))
        await connection.close()
        let again = try await AmplifiExecutable.run(["migrate"], environment: ["AMPLIFI_DATABASE_URL": server.url()])
        #expect(again.stdout.contains("up to date"))
    }

    @Test func migrateWithoutADatabaseExplainsWhatToSet() async throws {
        let result = try await AmplifiExecutable.run(["migrate"], environment: ["AMPLIFI_DATABASE_URL": ""])
        #expect(result.status != 0)
        #expect(result.stderr.contains("AMPLIFI_DATABASE_URL"))
    }
}
