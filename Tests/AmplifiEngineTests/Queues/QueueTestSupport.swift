import AmplifiEngine
import AmplifiLocalServers
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Glibc
import Logging

/// Helpers for the queue tests: a client on the shared test Redis, fresh key names per
/// test, and private servers for tests that flush scripts or count commands.
enum QueueTestSupport {
    /// A logger for the queues under test.
    static let logger = Logger(label: "amplifi.test.queues")

    /// A client on the shared test server.
    static func sharedClient(maxConnections: Int = 4) async throws -> RedisClient {
        var configuration = try RedisConfiguration(url: try await TestRedis.shared.url())
        configuration.readTimeout = .seconds(10)
        return RedisClient(configuration: configuration, maxConnections: maxConnections)
    }

    /// Key names no other test uses.
    static func freshKeys() -> QueueKeys { QueueKeys(prefix: TestRedis.shared.keyPrefix()) }

    /// Runs `body` against a private Redis server (for `SCRIPT FLUSH`, `FLUSHALL` and
    /// command counting, which would disturb or be disturbed by other tests).
    static func withPrivateRedis(_ body: (RedisClient, LocalRedisServer) async throws -> Void) async throws {
        let server = try await LocalRedisServer.start()
        let client = try RedisClient(url: server.url, maxConnections: 4)
        do {
            try await body(client, server)
        } catch {
            await client.close()
            server.process.signal(SIGKILL)
            server.stop()
            throw error
        }
        await client.close()
        // SIGKILL first: the server inherits SIGINT blocked from the test process.
        server.process.signal(SIGKILL)
        server.stop()
    }

    /// `calls=` of `cmdstat_<command>` in `INFO commandstats` (0 when never called).
    static func commandCalls(_ command: String, on client: RedisClient) async throws -> Int {
        let info = try await client.send(["INFO", "commandstats"]).string ?? ""
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_\(command):") {
            if let range = line.firstRange(of: "calls="), let end = line[range.upperBound...].firstIndex(of: ",") {
                return Int(line[range.upperBound..<end]) ?? 0
            }
        }
        return 0
    }

    /// `count` jobs of one campaign of `org`, chunks 0…count-1.
    static func jobs(org: UUID, campaign: UUID = UUID(), count: Int) -> [ChunkJob] {
        (0..<count).map { ChunkJob(campaignID: campaign, orgID: org, chunk: $0) }
    }
}
