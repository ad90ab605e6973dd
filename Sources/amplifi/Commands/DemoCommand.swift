import AmplifiLocalServers
import AmplifiMessaging
import AmplifiPostgres
import ArgumentParser
import Foundation

/// `amplifi demo`: the embedded default — local Postgres and Redis under `.amplifi/`,
/// migrated, and a look at the demo campaign's messages.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run Amplifi on embedded local Postgres + Redis (under .amplifi/).")

    @Option(help: ArgumentHelp("Where the demo keeps its servers' data.", valueName: "dir"))
    var directory = ".amplifi"

    @Flag(help: "Keep the servers running until Ctrl-C (to poke at them with psql / redis-cli).")
    var stay = false

    func run() async throws {
        let root = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        print("Starting Postgres and Redis under \(root.path) …")
        let postgres = try await LocalPostgresServer.start(directory: root.appendingPathComponent("postgres"), durable: true)
        let redis = try await LocalRedisServer.start(directory: root.appendingPathComponent("redis"))
        defer {
            redis.stop()
            postgres.stop()
        }
        let url = postgres.url()
        let connection = try await PostgresConnection.connect(url: url)
        if try await connection.query("SELECT 1 FROM pg_database WHERE datname = 'amplifi'").isEmpty {
            try await connection.execute(script: "CREATE DATABASE amplifi")
        }
        await connection.close()
        let databaseURL = postgres.url(database: "amplifi")
        guard let sql = PostgresMigrator.defaultDirectory() else {
            throw ValidationError("cannot find the sql/ migrations folder: run the demo from the repository root")
        }
        let database = try await PostgresConnection.connect(url: databaseURL)
        let applied = try await PostgresMigrator(directory: sql).migrate(database)
        let tables = try await database.query(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")[0].decode(Int.self, at: 0)
        await database.close()
        print("  postgres  \(databaseURL)  (\(applied.count) migrations applied now, \(tables) tables)")
        print("  redis     \(redis.url)")

        print("\nThe demo campaign's messages, priced as the send pipeline will price them:")
        let variants = [
            ("A", "Hi {{firstName|there}}, our spring drive ends Friday — every gift is matched 2:1. Give: https://amp.li/s"),
            ("B", "{{firstName|Friend}}, 48 hours left: gifts are matched 2:1 until Friday. https://amp.li/s 💚"),
        ]
        for (name, template) in variants {
            let rendered = try MergeTemplate(parsing: template, customFieldKeys: [])
                .render(MergeValues(firstName: "Jane"))
            let plan = try MessagePlanner.plan(body: rendered, mediaURL: nil, forceRoute: .auto, normalizeText: true)
            print("  variant \(name): \(plan.encoding.rawValue), \(plan.segmentCount) segment(s), \(plan.credits) credit(s)")
            print("    \(plan.text)")
        }
        print("""

            Not yet part of the demo: seeding an organization and contacts, the scheduler, the
            workers and the carrier simulator (the intake/planning and send-pipeline issues).
            """)
        if stay {
            print("\nServers are up; press Ctrl-C to stop them.")
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
