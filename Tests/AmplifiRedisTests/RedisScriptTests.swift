import AmplifiLocalServers
import AmplifiRedis
import AmplifiTestSupport
import Testing

@Suite struct RedisScriptTests {
    static let incrementBy = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")

    @Test func sha1MatchesTheServers() async throws {
        let connection = try await sharedConnection()
        let loaded = try await connection.send(["SCRIPT", "LOAD", .init(Self.incrementBy.source)])
        #expect(loaded.string == Self.incrementBy.sha1)
        await connection.close()
    }

    /// On a private server: SCRIPT FLUSH on the shared one would pull scripts from under
    /// the other suites running in parallel.
    @Test func evalshaReloadsAfterScriptFlush() async throws {
        let server = try await LocalRedisServer.start()
        defer { shutDown(server) }
        let client = try RedisClient(url: server.url, maxConnections: 1)
        let key = RedisArgument.key(TestRedis.shared.keyPrefix(), "n")
        let script = RedisScript("-- \(TestRedis.shared.keyPrefix())\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])")
        #expect(try await client.evalScript(script, keys: [key], arguments: [5]) == .integer(5))
        try await client.send(["SCRIPT", "FLUSH"])
        #expect(try await client.send(["SCRIPT", "EXISTS", .init(script.sha1)]) == .array([.integer(0)]))
        #expect(try await client.evalScript(script, keys: [key], arguments: [2]) == .integer(7))
        #expect(try await client.evalScript(script, keys: [key], arguments: [1]) == .integer(8))
        await client.close()
    }

    @Test func scriptErrorsAreServerErrors() async throws {
        let client = try await sharedClient(maxConnections: 1)
        let failing = RedisScript("return redis.error_reply('LIMITED over budget')")
        let error = await #expect(throws: RedisError.self) { try await client.evalScript(failing) }
        #expect(error?.prefix == "LIMITED")
        #expect(error?.command == "EVALSHA")
        await client.close()
    }
}
