import AmplifiPostgres
import ArgumentParser
import Foundation

/// `amplifi migrate`: applies pending SQL migrations from `sql/`.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending database migrations (safe to run from several processes at once).")

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Folder of NNN_name.sql files (default: $AMPLIFI_SQL_DIR, ./sql).", valueName: "dir"))
    var sqlDir: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        let url = try database.resolvedURL()
        guard let directory = sqlDir.map({ URL(fileURLWithPath: $0) }) ?? PostgresMigrator.defaultDirectory() else {
            throw ValidationError("cannot find the sql/ migrations folder: pass --sql-dir or set AMPLIFI_SQL_DIR")
        }
        let migrator = try PostgresMigrator(directory: directory)
        let connection = try await PostgresConnection.connect(url: url)
        let applied: [PostgresMigrator.Migration]
        do {
            applied = try await migrator.migrate(connection)
            await connection.close()
        } catch {
            await connection.close()
            throw error
        }
        if json {
            let names = applied.map { "{\"version\":\($0.version),\"name\":\"\($0.name)\"}" }
            print("{\"applied\":[\(names.joined(separator: ","))]}")
        } else if applied.isEmpty {
            print("database is up to date (\(migrator.migrations.count) migrations)")
        } else {
            for migration in applied {
                print("applied \(String(format: "%03d", migration.version))_\(migration.name)")
            }
        }
    }
}
