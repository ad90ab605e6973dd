import AmplifiLocalServers
import AmplifiRedis
import AmplifiTestSupport
import Glibc

/// The shared test server's URL, asked for once: `TestRedis.url()` suspends while it
/// starts the server, so concurrent first calls would each start one (see the report).
private let sharedURL = Task { try await TestRedis.shared.url() }

/// The URL of the shared test server.
func sharedRedisURL() async throws -> String { try await sharedURL.value }

/// A client on the shared test server; each test uses its own key prefix.
func sharedClient(maxConnections: Int = 4, readTimeout: Duration? = .seconds(10)) async throws -> RedisClient {
    var configuration = try RedisConfiguration(url: try await sharedRedisURL())
    configuration.readTimeout = readTimeout
    return RedisClient(configuration: configuration, maxConnections: maxConnections)
}

/// A connection on the shared test server.
func sharedConnection() async throws -> RedisConnection {
    try await RedisConnection.connect(url: try await sharedRedisURL())
}

extension RedisArgument {
    /// Shorthand for a key under a test's prefix.
    static func key(_ prefix: String, _ name: String) -> RedisArgument { RedisArgument(prefix + name) }
}

// The private servers below are stopped with SIGKILL first: `ServerProcess.stop()`
// sends SIGINT, which the server inherits blocked from the test process (see the
// report to the lead), so a plain stop waits out its 10 s grace period while holding
// a cooperative thread. A killed Redis closes its sockets just like a restarted one.

/// Restarts `server` (crash and start again, empty, on the same port).
func restart(_ server: LocalRedisServer) async throws {
    server.process.signal(SIGKILL)
    try await server.restart()
}

/// Stops `server` at the end of a test.
func shutDown(_ server: LocalRedisServer) {
    server.process.signal(SIGKILL)
    server.stop()
}
