public import Foundation

/// A private `redis-server` for the tests and `amplifi demo`: free port on
/// 127.0.0.1, no persistence, stopped with the process that started it.
public final class LocalRedisServer: Sendable {
    /// The port the server listens on.
    public let port: Int
    /// The server process (stop, restart, kill).
    public let process: ServerProcess

    /// `redis://127.0.0.1:PORT/0`.
    public var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Starts a server and waits until it answers PING.
    public static func start(directory: URL? = nil) async throws -> LocalRedisServer {
        guard
            let binary = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
                .first(where: FileManager.default.isExecutableFile(atPath:))
        else {
            throw LocalServerError(
                "redis-server not found: install it with `apt-get install redis-server` (or run `make deps`)")

        }
        let directory =
            try directory.map { try LocalNetwork.ownedDirectory($0, owner: nil) }
            ?? LocalNetwork.temporaryDirectory(prefix: "amplifi-redis")
        let port = try LocalNetwork.freePort()
        let server = LocalRedisServer(
            port: port,
            process: ServerProcess(
                name: "redis",
                command: [
                    binary, "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", directory.path, "--daemonize", "no",
                ],
                runAsUser: nil, directory: directory))
        try await server.startProcess()
        return server
    }

    private init(port: Int, process: ServerProcess) {
        self.port = port
        self.process = process
    }

    private func startProcess() async throws {
        try process.start()
        let port = port
        do {
            try await LocalNetwork.waitUntil("redis on port \(port)") { Self.answersPing(port: port) }
        } catch {
            throw LocalServerError("\(error)\n--- redis log ---\n\(process.logTail())")
        }
    }

    /// Stops the server and starts it again, empty, on the same port.
    public func restart() async throws {
        process.stop()
        try await startProcess()
    }

    /// Stops the server.
    public func stop() {
        process.stop()
    }

    /// Sends a raw `PING` over TCP and checks for `+PONG`.
    static func answersPing(port: Int) -> Bool {
        guard let fd = LocalNetwork.connectedSocket(port: port) else { return false }
        defer { close(fd) }
        let ping = Array("PING\r\n".utf8)
        guard write(fd, ping, ping.count) == ping.count else { return false }
        var reply = [UInt8](repeating: 0, count: 64)
        let count = read(fd, &reply, reply.count)
        return count > 0 && String(decoding: reply[0..<count], as: UTF8.self).hasPrefix("+PONG")
    }
}
