import AmplifiLocalServers
import Foundation

/// The Redis server shared by the tests of one process: `AMPLIFI_TEST_REDIS_URL`
/// when set, otherwise a private server started on first use. Tests isolate
/// themselves with a unique key prefix (``TestRedis/keyPrefix()``).
public actor TestRedis {
    /// The process-wide instance.
    public static let shared = TestRedis()
    /// The one server start every caller awaits (a Task, so concurrent first callers share it).
    private var server: Task<LocalRedisServer, any Error>?

    /// The URL of the shared server.
    public func url() async throws -> String {
        if let configured = ProcessInfo.processInfo.environment["AMPLIFI_TEST_REDIS_URL"] { return configured }
        if let server { return try await server.value.url }
        let task = Task { try await LocalRedisServer.start() }
        server = task
        return try await task.value.url
    }

    /// A key prefix no other test uses.
    public nonisolated func keyPrefix() -> String {
        "test:\(UUID().uuidString.prefix(8).lowercased()):"
    }
}
