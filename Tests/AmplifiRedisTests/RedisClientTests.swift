import AmplifiConcurrency
import AmplifiLocalServers
import AmplifiRedis
import AmplifiTestSupport
import Glibc
import Testing

@Suite struct RedisClientTests {
    @Test func fiftyConcurrentTasksShareAPoolOfFour() async throws {
        let client = try await sharedClient(maxConnections: 4)
        let prefix = TestRedis.shared.keyPrefix()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<50 {
                group.addTask {
                    try await client.send(["INCR", .key(prefix, "counter")])
                    try await client.send(["SET", .key(prefix, "task:\(index)"), .init("value-\(index)")])
                    let replies = try await client.pipeline([
                        ["GET", .key(prefix, "task:\(index)")], ["SADD", .key(prefix, "seen"), .init(index)],
                    ])
                    #expect(replies[0].string == "value-\(index)")
                    #expect(client.pool.openConnections <= 4)
                }
            }
            try await group.waitForAll()
        }
        #expect(try await client.send(["GET", .key(prefix, "counter")]).int == 50)
        #expect(try await client.send(["SCARD", .key(prefix, "seen")]) == .integer(50))
        #expect(client.pool.openConnections <= 4)
        await client.close()
    }

    @Test func readTimeoutFailsWithTimeoutAndReplacesTheConnection() async throws {
        let client = try await sharedClient(maxConnections: 1, readTimeout: .milliseconds(300))
        let prefix = TestRedis.shared.keyPrefix()
        let before = try await client.send(["CLIENT", "ID"]).int
        let error = await #expect(throws: RedisError.self) {
            try await client.send(["BLPOP", .key(prefix, "empty"), 2])
        }
        #expect(error?.code == .timeout)
        #expect(error?.description.contains("may or may not have run") == true)
        let after = try await client.send(["CLIENT", "ID"]).int
        #expect(before != nil && after != nil && before != after)
        #expect(client.pool.openConnections == 1)
        await client.close()
    }

    @Test func redisRestartFailsTheCallInFlightAndTheNextCallWorks() async throws {
        let server = try await LocalRedisServer.start()
        defer { shutDown(server) }
        let client = try RedisClient(url: server.url, maxConnections: 2)
        #expect(try await client.send(["PING"]) == .status("PONG"))
        try await client.send(["SET", "before-restart", "1"])

        let inFlight = Task {
            try await client.send(["BLPOP", "restart:queue", 30], blockingFor: .seconds(30))
        }
        try await Task.sleep(for: .milliseconds(300))
        try await restart(server)
        let error = await #expect(throws: RedisError.self) { try await inFlight.value }
        #expect(error?.code == .connectionLost)
        #expect(error?.description.contains("may or may not have run") == true)

        // The pool replaced the broken connection: the following calls work.
        #expect(try await client.send(["PING"]) == .status("PONG"))
        #expect(try await client.send(["GET", "before-restart"]) == .null)
        await client.close()
    }

    @Test func killedRedisFailsClearlyThenRecoversAfterRestart() async throws {
        let server = try await LocalRedisServer.start()
        defer { shutDown(server) }
        let client = try RedisClient(url: server.url, maxConnections: 1)
        #expect(try await client.send(["PING"]) == .status("PONG"))

        server.process.signal(SIGKILL)
        try await LocalNetwork.waitUntil("redis gone") { (try? await client.send(["PING"])) == nil }
        let error = await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
        #expect(error?.code == .connectionFailed)
        #expect(error?.description.contains("AMPLIFI_REDIS_URL") == true)

        try await restart(server)
        #expect(try await client.send(["PING"]) == .status("PONG"))
        await client.close()
    }

    @Test func withConnectionKeepsOneSession() async throws {
        let client = try await sharedClient(maxConnections: 2)
        let prefix = TestRedis.shared.keyPrefix()
        let replies = try await client.withConnection { connection in
            try await connection.send(["MULTI"])
            try await connection.send(["INCR", .key(prefix, "tx")])
            try await connection.send(["INCR", .key(prefix, "tx")])
            return try await connection.send(["EXEC"])
        }
        #expect(replies == .array([.integer(1), .integer(2)]))
        await client.close()
    }
}
