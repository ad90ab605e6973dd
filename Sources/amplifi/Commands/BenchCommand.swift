import AmplifiEngine
import AmplifiLocalServers
import AmplifiPostgres
import ArgumentParser
import Foundation

/// `amplifi bench`: performance numbers, printed (never asserted by tests).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run benchmarks and print their numbers.",
        subcommands: [ExpansionBench.self],
        defaultSubcommand: ExpansionBench.self)

    /// Audience expansion rate against a raw INSERT … SELECT of the same rows.
    struct ExpansionBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "expansion",
            abstract: "Audience expansion rows/s next to a raw INSERT … SELECT of the same rows (target ≥ 70%).")

        @Option(help: "Contacts to generate.")
        var contacts = 100_000

        @Option(help: "Planner page (chunk) size.")
        var chunkSize = 1_000

        @Option(help: "Repetitions; the median ratio is reported.")
        var runs = 3

        @Flag(help: "Plan an A/B campaign (variants computed per contact).")
        var abTest = false

        @Option(
            name: .customLong("database-url"),
            help: "A scratch database to fill (default: a private Postgres started for the run).")
        var databaseURL: String?

        func run() async throws {
            var server: LocalPostgresServer?
            let url: String
            if let databaseURL {
                url = databaseURL
            } else {
                let local = try await LocalPostgresServer.start(durable: true)
                server = local
                url = local.url()
                let migrator = try PostgresMigrator(directory: try migrationsDirectory())
                let connection = try await PostgresConnection.connect(url: url)
                try await migrator.migrate(connection)
                await connection.close()
            }
            defer { server?.stop() }
            let client = PostgresClient(url: url, maxConnections: 2)
            var ratios: [Double] = []
            for run in 1...max(1, runs) {
                print("run \(run)/\(runs):")
                let result = try await AudienceBenchmark.run(
                    client: client, contacts: contacts, chunkSize: chunkSize, abTest: abTest, printReport: true)
                ratios.append(result.ratio)
            }
            await client.close()
            let median = ratios.sorted()[ratios.count / 2]
            print("median planner/raw ratio over \(ratios.count) runs: \(String(format: "%.1f", median * 100))% (target ≥ 70%)")
        }

        private func migrationsDirectory() throws -> URL {
            guard let directory = PostgresMigrator.defaultDirectory() else {
                throw ValidationError("cannot find the sql/ migrations folder: run from the repository root or set AMPLIFI_SQL_DIR")
            }
            return directory
        }
    }
}
