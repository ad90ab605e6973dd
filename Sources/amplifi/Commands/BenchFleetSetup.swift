import AmplifiLocalServers
import AmplifiPostgres
import ArgumentParser
import Foundation
import Logging

/// What the benchmarks that start a fleet (`bench send`, `bench latency`) share: a quiet logger,
/// progress lines (on standard error under `--json`, so standard output stays one JSON document),
/// the migrations folder, a directory for the fleet's logs, and a private durable Postgres and
/// Redis that are stopped when the benchmark ends.
struct BenchFleetSetup {
    let logger: Logger
    let say: @Sendable (String) -> Void
    let migrations: URL
    let logs: URL
    let postgres: LocalPostgresServer
    let redis: LocalRedisServer

    /// Starts the servers, runs `body`, stops the servers.
    static func with<Result>(
        json: Bool, directory: String, _ body: (BenchFleetSetup) async throws -> Result
    ) async throws -> Result {
        var logger = Logger(label: "amplifi.bench")
        logger.logLevel = .warning
        let say: @Sendable (String) -> Void = { line in
            if json { FileHandle.standardError.write(Data((line + "\n").utf8)) } else { print(line) }
            fflush(nil)
        }
        guard let migrations = PostgresMigrator.defaultDirectory() else {
            throw ValidationError(
                "cannot find the sql/ migrations folder: run from the repository root or set AMPLIFI_SQL_DIR")
        }
        let logs = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let postgres = try await LocalPostgresServer.start(durable: true)
        let redis = try await LocalRedisServer.start()
        defer {
            redis.stop()
            postgres.stop()
        }
        return try await body(
            BenchFleetSetup(
                logger: logger, say: say, migrations: migrations, logs: logs, postgres: postgres, redis: redis))
    }

    /// `value` as pretty-printed JSON with sorted keys, on standard output.
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
