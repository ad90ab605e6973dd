import AmplifiPostgres
public import Foundation
import Logging

/// A private Postgres cluster on this machine, for the tests and `amplifi demo`:
/// `initdb` into a directory (as the `postgres` user when running as root, since
/// initdb and postgres refuse root), started on a free port bound to 127.0.0.1.
/// Its life is tied to the process that started it.
public final class LocalPostgresServer: Sendable {
    /// The port the server listens on.
    public let port: Int
    /// The cluster's directory (data, socket, log).
    public let directory: URL
    /// The server process (stop, restart, kill).
    public let process: ServerProcess

    /// A libpq URL for `database` over TCP.
    public func url(database: String = "postgres") -> String {
        "postgres://postgres@127.0.0.1:\(port)/\(database)"
    }

    /// A libpq URL for `database` over the unix socket in `directory`.
    public func socketURL(database: String = "postgres") -> String {
        "postgresql:///\(database)?host=\(directory.path)&port=\(port)&user=postgres"
    }

    /// Starts a cluster and waits until it accepts connections.
    ///
    /// - Parameters:
    ///   - directory: where the cluster lives; reused when it already holds one
    ///     (the demo's `.amplifi/postgres`). Nil makes a fresh temporary one.
    ///   - durable: false turns fsync and synchronous commit off — right for tests,
    ///     whose data nobody needs after a crash.
    public static func start(directory: URL? = nil, durable: Bool = false) async throws -> LocalPostgresServer {
        let bin = try binDirectory()
        let directory =
            try directory.map { try LocalNetwork.ownedDirectory($0, owner: "postgres") }
            ?? LocalNetwork.temporaryDirectory(prefix: "amplifi-pg", owner: "postgres")
        let data = directory.appendingPathComponent("data").path
        if !FileManager.default.fileExists(atPath: data + "/PG_VERSION") {
            try initializeCluster(bin: bin, data: data)
        }
        let port = try LocalNetwork.freePort()
        let tuning = durable ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        let server = LocalPostgresServer(
            port: port, directory: directory,
            process: ServerProcess(
                name: "postgres",
                command: [
                    "\(bin)/postgres", "-D", data, "-p", "\(port)", "-k", directory.path,
                    "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300", "-c", "shared_buffers=256MB",
                ] + tuning,
                runAsUser: "postgres", directory: directory))
        try await server.startProcess()
        return server
    }

    private static func initializeCluster(bin: String, data: String) throws {
        let initArguments = ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]
        let initdb = try ChildProcess.run(
            executable: URL(fileURLWithPath: geteuid() == 0 ? "/usr/sbin/runuser" : "\(bin)/initdb"),
            arguments: geteuid() == 0 ? ["-u", "postgres", "--", "\(bin)/initdb"] + initArguments : initArguments)
        guard initdb.status == 0 else {
            throw LocalServerError("initdb failed: \(initdb.output)")
        }
    }

    private init(port: Int, directory: URL, process: ServerProcess) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    private func startProcess() async throws {
        try process.start()
        let url = url()
        do {
            try await LocalNetwork.waitUntil("postgres on port \(port)") { await PostgresConnection.ping(url: url) }
        } catch {
            throw LocalServerError("\(error)\n--- postgres log ---\n\(process.logTail())")
        }
    }

    /// Drops and recreates `database`, migrates it with the SQL files in `migrations`, and returns
    /// its URL.
    public func freshDatabase(named database: String, migrations: URL) async throws -> String {
        let admin = try await PostgresConnection.connect(url: url())
        try await admin.execute(script: "DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
        try await admin.execute(script: "CREATE DATABASE \(database)")
        await admin.close()
        let url = url(database: database)
        var quiet = Logger(label: "amplifi.migrate")
        quiet.logLevel = .warning
        let connection = try await PostgresConnection.connect(url: url)
        try await PostgresMigrator(directory: migrations, logger: quiet).migrate(connection)
        await connection.close()
        return url
    }

    /// Creates `database` as a copy of `template` (a file-level copy: fast, whatever the data) and
    /// returns its URL; an existing `database` is dropped first. Nobody may be connected to
    /// `template` meanwhile.
    public func cloneDatabase(_ template: String, as database: String) async throws -> String {
        let admin = try await PostgresConnection.connect(url: url())
        defer { Task { await admin.close() } }
        try await admin.execute(script: "DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
        try await admin.execute(script: "CREATE DATABASE \(database) TEMPLATE \(template)")
        return url(database: database)
    }

    /// Drops `database` (disconnecting whoever is still connected to it).
    public func dropDatabase(_ database: String) async throws {
        let admin = try await PostgresConnection.connect(url: url())
        try await admin.execute(script: "DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
        await admin.close()
    }

    /// Stops the server (fast shutdown) and starts it again on the same port and data.
    public func restart() async throws {
        process.stop()
        try await startProcess()
    }

    /// Stops the server.
    public func stop() {
        process.stop()
    }

    /// The directory holding `initdb` and `postgres`: `AMPLIFI_PG_BINDIR`, else the newest
    /// `/usr/lib/postgresql/N/bin` (Debian's layout), else from PATH.
    static func binDirectory() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let configured = environment["AMPLIFI_PG_BINDIR"] { return configured }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init)
            .sorted()
        if let newest = versions.last { return "\(root)/\(newest)/bin" }
        for path in (environment["PATH"] ?? "").split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(path)/initdb") {
            return String(path)
        }
        throw LocalServerError(
            "no Postgres server binaries found: install them with `apt-get install postgresql` "
                + "(or run `make deps`)")
    }
}
