import AmplifiLocalServers
import AmplifiTestSupport
import Foundation

/// `Tests/Fixtures/twilio_stub.py` as a running server: a Twilio-compatible Messages API written
/// independently in Python, optionally misbehaving (late answers, dropped connections, garbage,
/// 429s, callbacks duplicated/dropped/shuffled/early), logging every create with its time.
struct TwilioStub {
    static let accountSID = "AC" + String(repeating: "5", count: 32)
    static let authToken = "stub-auth-token-0123456789"
    static let script = TestDatabase.sqlDirectory.deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures/twilio_stub.py").path

    /// One JSON line of the stub's log.
    struct LogLine: Decodable {
        var create: [String: String]?
        var sid: String?
        var contentType: String?
        var callback: String?
        var http: Int?
        /// When the message was created (creates) or the 429 answered (epoch seconds).
        var t: Double?
        var to: String?
        var mode: String?
        var throttled: Bool?
    }

    let process: ServerProcess
    let port: Int
    let directory: URL
    let log: URL

    /// The base URL workers use (`TWILIO_BASE_URL`).
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the stub with `options` (its misbehaviour flags) and waits until it listens.
    static func start(_ options: [String] = []) async throws -> TwilioStub {
        let directory = try LocalNetwork.temporaryDirectory(prefix: "twilio-stub")
        let log = directory.appendingPathComponent("requests.jsonl")
        let port = try LocalNetwork.freePort()
        let process = ServerProcess(
            name: "twilio-stub",
            command: [
                "/usr/bin/env", "python3", script, "--port", "\(port)", "--account-sid", accountSID,
                "--auth-token", authToken, "--log", log.path,
            ] + options,
            runAsUser: nil, directory: directory)
        try process.start()
        try await LocalNetwork.waitUntil("the Twilio stub", timeout: 30) { LocalNetwork.isListening(port: port) }
        return TwilioStub(process: process, port: port, directory: directory, log: log)
    }

    /// The stub writes snake_case keys (`content_type`).
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// The log so far.
    func lines() throws -> [LogLine] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try Self.decoder.decode(LogLine.self, from: Data($0.utf8)) }
    }

    /// Messages created, as (recipient, creation time).
    func creates() throws -> [(to: String, t: Double)] {
        try lines().compactMap { line in
            guard let fields = line.create, let to = fields["To"] else { return nil }
            return (to, line.t ?? 0)
        }
    }

    /// Stops the server.
    func stop() { process.stop() }
}
