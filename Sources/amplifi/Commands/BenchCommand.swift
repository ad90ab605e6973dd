import AmplifiEngine
import AmplifiLocalServers
import AmplifiPostgres
import AmplifiRedis
import Logging
import ArgumentParser
import Foundation

/// `amplifi bench`: performance numbers, printed (never asserted by tests).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run benchmarks and print their numbers.",
        subcommands: [ExpansionBench.self, SendBench.self],
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

    /// The send pipeline end to end against the zero-latency simulator.
    struct SendBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "send",
            abstract: "Send a campaign through the zero-latency simulator with 1, 2, 4 sender loops; "
                + "msg/s, CPU per message, peak RSS, and the raw Postgres insert+update baseline.")

        @Option(help: "Recipients.")
        var recipients = 100_000

        @Option(help: "Comma-separated sender-loop counts to measure.")
        var workers = "1,2,4"

        @Option(help: "Messages per batch.")
        var batchSize = 500

        func run() async throws {
            var logger = Logger(label: "amplifi.bench")
            logger.logLevel = .warning
            let postgres = try await LocalPostgresServer.start(durable: true)
            let redisServer = try await LocalRedisServer.start()
            defer {
                redisServer.stop()
                postgres.stop()
            }
            guard let sql = PostgresMigrator.defaultDirectory() else {
                throw ValidationError("cannot find the sql/ migrations folder: run from the repository root")
            }
            let connection = try await PostgresConnection.connect(url: postgres.url())
            try await PostgresMigrator(directory: sql, logger: logger).migrate(connection)
            await connection.close()
            let client = PostgresClient(url: postgres.url(), maxConnections: 12, logger: logger)
            let redis = try RedisClient(url: redisServer.url, maxConnections: 8, logger: logger)
            let org = try await SendBenchmark.prepare(client: client, recipients: recipients)
            print("send benchmark: \(recipients) recipients, batches of \(batchSize), zero-latency simulator")
            var best = 0.0
            var sent = recipients
            for count in workers.split(separator: ",").compactMap({ Int($0) }) {
                let result = try await SendBenchmark.run(
                    client: client, redis: redis, org: org, workers: count, batchSize: batchSize, logger: logger)
                print("  \(result)")
                best = max(best, result.messagesPerSecond)
                sent = result.messages
            }
            let raw = try await SendBenchmark.rawBaseline(client: client, org: org, rows: sent)
            print("  raw Postgres baseline (INSERT … SELECT + UPDATE of the same \(sent) rows): \(Int(raw)) rows/s")
            print("  best pipeline rate / raw baseline: \(String(format: "%.0f", best / max(raw, 1) * 100))%")
            await client.close()
            await redis.close()
        }
    }
}
