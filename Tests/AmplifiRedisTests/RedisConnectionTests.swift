import AmplifiLocalServers
import AmplifiRedis
import AmplifiTestSupport
import Testing

@Suite struct RedisConnectionTests {
    @Test func everyReplyType() async throws {
        let connection = try await sharedConnection()
        let prefix = TestRedis.shared.keyPrefix()
        #expect(try await connection.send(["SET", .key(prefix, "k"), "v"]) == .status("OK"))
        #expect(try await connection.send(["GET", .key(prefix, "k")]) == .bulk(Array("v".utf8)))
        #expect(try await connection.send(["GET", .key(prefix, "missing")]) == .null)
        #expect(try await connection.send(["INCRBY", .key(prefix, "n"), 41]) == .integer(41))
        #expect(try await connection.send(["RPUSH", .key(prefix, "l"), "a", "b"]) == .integer(2))
        #expect(
            try await connection.send(["LRANGE", .key(prefix, "l"), 0, -1]) == .array([.bulk([97]), .bulk([98])]))
        #expect(try await connection.send(["LRANGE", .key(prefix, "none"), 0, -1]) == .array([]))
        // Nested arrays, a nil inside an array, status and error replies from Lua.
        let replies = try await connection.pipeline([
            ["EVAL", "return {1, 'two', {3, 'x'}, false}", 0],
            ["EVAL", "return redis.status_reply('FINE')", 0],
            ["EVAL", "return redis.error_reply('MYERR something broke')", 0],
        ])
        #expect(
            replies[0] == .array([.integer(1), .bulk(Array("two".utf8)), .array([.integer(3), .bulk([120])]), .null]))
        #expect(replies[1] == .status("FINE"))
        #expect(replies[2] == .error("MYERR something broke"))
        #expect(throws: RedisError.self) { try replies[2].checked() }
        await connection.close()
    }

    @Test func valuesAreBinarySafe() async throws {
        let connection = try await sharedConnection()
        let prefix = TestRedis.shared.keyPrefix()
        let every = (0...255).map(UInt8.init)
        let tricky: [UInt8] = [0, 13, 10, 0, 0xC3, 0x28, 0xFF, 13, 10, 36, 42] + every
        let binaryKey = RedisArgument(Array(prefix.utf8) + [0, 13, 10, 0xFE])
        try await connection.send(["SET", binaryKey, .init(tricky)])
        #expect(try await connection.send(["GET", binaryKey]) == .bulk(tricky))
        #expect(try await connection.send(["STRLEN", binaryKey]) == .integer(tricky.count))
        try await connection.send(["SET", .key(prefix, "empty"), .init([UInt8]())])
        #expect(try await connection.send(["GET", .key(prefix, "empty")]) == .bulk([]))
        await connection.close()
    }

    @Test func pipelineOfAThousandCommandsKeepsOrder() async throws {
        let connection = try await sharedConnection()
        let prefix = TestRedis.shared.keyPrefix()
        let commands: [[RedisArgument]] = (0..<1000).map { index in
            index.isMultiple(of: 2) ? ["INCR", .key(prefix, "counter")] : ["ECHO", .init("reply-\(index)")]
        }
        let replies = try await connection.pipeline(commands)
        #expect(replies.count == 1000)
        for (index, reply) in replies.enumerated() {
            if index.isMultiple(of: 2) {
                #expect(reply == .integer(index / 2 + 1))
            } else {
                #expect(reply.string == "reply-\(index)")
            }
        }
        await connection.close()
    }

    @Test func serverErrorsCarryTheirPrefixButNotTheArguments() async throws {
        let connection = try await sharedConnection()
        let prefix = TestRedis.shared.keyPrefix()
        try await connection.send(["RPUSH", .key(prefix, "list"), "+15551234567"])
        let wrongType = await #expect(throws: RedisError.self) {
            try await connection.send(["INCR", .key(prefix, "list")])
        }
        #expect(wrongType?.code == .server)
        #expect(wrongType?.prefix == "WRONGTYPE")
        #expect(wrongType?.hasPrefix("WRONGTYPE") == true)
        #expect(wrongType?.command == "INCR")
        #expect(wrongType?.description.contains(prefix) == false)

        let unknown = await #expect(throws: RedisError.self) {
            try await connection.send(["NOSUCHCOMMAND", "+15551234567"])
        }
        #expect(unknown?.prefix == "ERR")
        #expect(unknown?.description.contains("15551234567") == false)
        // The connection is fine after a server error.
        #expect(await connection.isUsable)
        #expect(try await connection.send(["PING"]) == .status("PONG"))
        await connection.close()
    }

    @Test func connectingToAClosedPortSaysWhatToCheck() async throws {
        let port = try LocalNetwork.freePort()
        let error = await #expect(throws: RedisError.self) {
            try await RedisConnection.connect(url: "redis://127.0.0.1:\(port)/0")
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.description.contains("AMPLIFI_REDIS_URL") == true)
        #expect(error?.description.contains("127.0.0.1:\(port)") == true)
    }

    @Test func closedConnectionRefusesCommands() async throws {
        let connection = try await sharedConnection()
        await connection.close()
        #expect(await !connection.isUsable)
        let error = await #expect(throws: RedisError.self) { try await connection.send(["PING"]) }
        #expect(error?.code == .connectionClosed)
    }

    @Test func blockingCommandRaisesTheReadTimeoutThenRestoresIt() async throws {
        var configuration = try RedisConfiguration(url: try await sharedRedisURL())
        configuration.readTimeout = .milliseconds(500)
        let connection = try await RedisConnection.connect(configuration)
        let prefix = TestRedis.shared.keyPrefix()
        // BLPOP waits 1 s, longer than the read timeout: fine, because the call says so.
        let clock = ContinuousClock()
        let start = clock.now
        let reply = try await connection.send(["BLPOP", .key(prefix, "empty"), 1], blockingFor: .seconds(1))
        #expect(reply == .null)
        #expect(clock.now - start >= .milliseconds(900))
        #expect(await connection.isUsable)
        // Restored: the same wait without the hint times out.
        let error = await #expect(throws: RedisError.self) {
            try await connection.send(["BLPOP", .key(prefix, "empty"), 1])
        }
        #expect(error?.code == .timeout)
        #expect(await !connection.isUsable)
        await connection.close()
    }

    @Test func cancellingABlockingCommandReturnsPromptly() async throws {
        let connection = try await sharedConnection()
        let prefix = TestRedis.shared.keyPrefix()
        let clock = ContinuousClock()
        let start = clock.now
        let waiting = Task {
            try await connection.send(["BLPOP", .key(prefix, "never"), 20], blockingFor: .seconds(20))
        }
        try await Task.sleep(for: .milliseconds(200))
        waiting.cancel()
        let result = await waiting.result
        #expect(clock.now - start < .seconds(5))
        #expect(throws: RedisError.self) { try result.get() }
        #expect(await !connection.isUsable)
        // The next command reconnects transparently (nothing was written on the broken socket).
        #expect(try await connection.send(["PING"]) == .status("PONG"))
        await connection.close()
    }

    @Test func idleConnectionReconnectsAfterServerRestart() async throws {
        let server = try await LocalRedisServer.start()
        defer { shutDown(server) }
        let connection = try await RedisConnection.connect(url: server.url)
        #expect(try await connection.send(["PING"]) == .status("PONG"))
        try await restart(server)
        #expect(await !connection.checkIdleHealth())
        // Found broken before anything was written: reconnect and send.
        #expect(try await connection.send(["PING"]) == .status("PONG"))
        #expect(await connection.isUsable)
        await connection.close()
    }

    @Test func authenticatesAndSelectsTheDatabase() async throws {
        let server = try await LocalRedisServer.start()
        defer { shutDown(server) }
        let admin = try await RedisConnection.connect(url: server.url)
        try await admin.send(["CONFIG", "SET", "requirepass", "s3cret pass"])
        await admin.close()

        let port = server.port
        let connection = try await RedisConnection.connect(url: "redis://:s3cret%20pass@127.0.0.1:\(port)/2")
        let info = try await connection.send(["CLIENT", "INFO"]).string ?? ""
        #expect(info.contains(" db=2 "))
        await connection.close()

        let error = await #expect(throws: RedisError.self) {
            try await RedisConnection.connect(url: "redis://:wrong-password@127.0.0.1:\(port)/0")
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.description.contains("wrong-password") == false)
        #expect(error?.description.contains("AMPLIFI_REDIS_URL") == true)
    }
}
