import AmplifiConcurrency
import AmplifiLocalServers
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

/// The real `amplifi` executable with database and Redis URLs whose password holds `%` and `/`
/// (percent-encoded), against a server nobody listens on and a server that refuses the password:
/// whatever each command prints (stdout, stderr, logs, `--json`), the password never appears,
/// neither raw nor encoded; the failure is named by its SQLSTATE and a fixed message instead.
@Suite("secrets never printed (the real executable)")
struct SecretsNeverPrintedTests {
    /// The password, as the URL carries it and as it is.
    static let encoded = "p%25ss%2Fw0rd"
    static let raw = "p%ss/w0rd"
    /// Every form a leak could take (the last two are fragments a partial echo would show).
    static let forms = [raw, encoded, "p%ss", "w0rd", "%2Fw0rd"]

    /// One-shot commands: they fail and exit.
    static let oneShot: [[String]] = [
        ["migrate"], ["migrate", "--json"], ["org", "show", "acme"], ["org", "show", "acme", "--json"],
    ]
    /// Long-running roles: started, given time to fail a few connection attempts, then stopped.
    static let roles: [(String, [String])] = [
        ("receiver", ["receiver", "--port", "PORT"]),
        ("worker", ["worker", "--drain-seconds", "2"]),
        ("scheduler", ["scheduler"]),
    ]

    @Test func anUnreachableServerNeverShowsThePassword() async throws {
        let outputs = try await Self.runAll(
            databaseURL: "postgres://amplifi:\(Self.encoded)@127.0.0.1:1/db",
            redisURL: "redis://:\(Self.encoded)@127.0.0.1:1/0")
        Self.expectNoSecret(outputs)
        let migrate = outputs.first { $0.name == "migrate" }?.text ?? ""
        #expect(migrate.contains("08001"), "\(migrate)")
    }

    @Test func aWrongPasswordNeverShowsThePassword() async throws {
        let server = try await LocalPostgresServer.start()
        defer { server.stop() }
        try await Self.requirePasswords(server)
        let redis = try await TestRedis.shared.url()  // no password configured: AUTH is refused
        let port = redis.split(separator: ":").last.flatMap { $0.split(separator: "/").first } ?? "6379"
        let outputs = try await Self.runAll(
            databaseURL: "postgres://amplifi:\(Self.encoded)@127.0.0.1:\(server.port)/postgres",
            redisURL: "redis://:\(Self.encoded)@127.0.0.1:\(port)/0")
        Self.expectNoSecret(outputs)
        let migrate = outputs.first { $0.name == "migrate" }?.text ?? ""
        #expect(migrate.contains("28P01"), "\(migrate)")
    }

    @Test func theReceiverRefusesTheSimulatorsDemoTokenUnlessTold() async throws {
        let refused = try await AmplifiExecutable.run(
            ["receiver", "--port", "\(try LocalNetwork.freePort())"],
            environment: [
                "TWILIO_AUTH_TOKEN": "simulator-auth-token", "AMPLIFI_DATABASE_URL": "postgres://x@127.0.0.1:1/db",
                "AMPLIFI_REDIS_URL": "redis://127.0.0.1:1/0",
            ])
        #expect(refused.status == 64, "\(refused)")
        #expect(refused.stderr.contains("--allow-demo-token"))
    }

    // MARK: - Helpers

    /// What one run printed.
    struct Printed {
        let name: String
        let text: String
    }

    /// Runs every one-shot command and every role with the two URLs; returns all they printed.
    static func runAll(databaseURL: String, redisURL: String) async throws -> [Printed] {
        let environment = [
            "AMPLIFI_DATABASE_URL": databaseURL, "AMPLIFI_REDIS_URL": redisURL,
            "TWILIO_AUTH_TOKEN": "secrets-test-token", "AMPLIFI_CARRIER": "sim",
        ]
        var printed: [Printed] = []
        for arguments in oneShot {
            let output = try await AmplifiExecutable.run(arguments, environment: environment)
            #expect(output.status != 0, "\(arguments): \(output)")
            printed.append(Printed(name: arguments.joined(separator: " "), text: output.stdout + output.stderr))
        }
        // The same commands with the URL as a flag instead of the environment.
        let flagged = try await AmplifiExecutable.run(
            ["migrate", "--json", "--database-url", databaseURL], environment: ["AMPLIFI_DATABASE_URL": ""])
        printed.append(Printed(name: "migrate --database-url", text: flagged.stdout + flagged.stderr))
        let logs = try LocalNetwork.temporaryDirectory(prefix: "secrets")
        var running: [(String, Process, URL)] = []
        for (name, arguments) in roles {
            let port = try LocalNetwork.freePort()
            let log = logs.appendingPathComponent("\(name).log")
            let process = try AmplifiExecutable.launch(
                arguments.map { $0 == "PORT" ? "\(port)" : $0 }, environment: environment, logTo: log)
            running.append((name, process, log))
        }
        try await Task.sleep(for: .seconds(6))
        for (name, process, log) in running {
            if process.isRunning { process.terminate() }
            let exited = await runOnDedicatedThread {
                let deadline = Date().addingTimeInterval(25)
                while process.isRunning && Date() < deadline { usleep(50_000) }
                return !process.isRunning
            }
            if !exited { kill(process.processIdentifier, SIGKILL) }
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(!text.isEmpty, "\(name) printed nothing: the test would prove nothing")
            printed.append(Printed(name: name, text: text))
        }
        return printed
    }

    /// No output holds any form of the password.
    static func expectNoSecret(_ outputs: [Printed]) {
        for output in outputs {
            for form in forms {
                #expect(!output.text.contains(form), "\(output.name) printed the password (\(form)):\n\(output.text)")
            }
        }
    }

    /// Makes `server` ask for a password (SCRAM) from every user but `postgres`, and adds the user
    /// `amplifi` with a password the tests never use.
    static func requirePasswords(_ server: LocalPostgresServer) async throws {
        let connection = try await PostgresConnection.connect(url: server.url())
        try await connection.query("CREATE ROLE amplifi LOGIN PASSWORD 'the-right-password'")
        let hba = try await connection.query("SHOW hba_file")[0].decode(String.self, at: 0)
        try await connection.execute(
            script: """
                COPY (SELECT line FROM (VALUES (1, 'local all all trust'), (2, 'host all postgres 127.0.0.1/32 trust'),
                                              (3, 'host all all 127.0.0.1/32 scram-sha-256')) AS v(n, line) ORDER BY n)
                TO '\(hba)';
                SELECT pg_reload_conf();
                """)
        await connection.close()
    }
}
