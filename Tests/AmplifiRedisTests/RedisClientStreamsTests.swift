import AmplifiRedis
import AmplifiTestSupport
import Testing

@Suite struct RedisClientStreamsTests {
    @Test func addReadAcknowledge() async throws {
        let client = try await sharedClient()
        let stream = TestRedis.shared.keyPrefix() + "jobs"
        #expect(try await client.xgroupCreate(stream: stream, group: "workers", startID: "0"))
        // BUSYGROUP is tolerated: every worker may create the group at start-up.
        #expect(try await client.xgroupCreate(stream: stream, group: "workers", startID: "0") == false)

        let payload: [UInt8] = [0, 13, 10, 0xFF, 0x80]
        let id = try await client.xadd(
            stream: stream, fields: [("campaign", "c-1"), ("blob", .init(payload))], maxLength: 1000)
        let entries = try #require(
            try await client.xreadgroup(group: "workers", consumer: "w1", stream: stream, count: 10))
        #expect(entries.count == 1)
        #expect(entries.first?.id == id)
        #expect(entries.first?.string("campaign") == "c-1")
        #expect(entries.first?.fields["blob"] == payload)

        let pending = try await client.xpending(stream: stream, group: "workers")
        #expect(pending.count == 1)
        #expect(pending.smallestID == id)
        #expect(pending.greatestID == id)
        #expect(pending.consumers == ["w1": 1])

        // Nothing new for the group.
        #expect(try await client.xreadgroup(group: "workers", consumer: "w1", stream: stream) == nil)
        // Re-reading this consumer's pending entries with id 0.
        let again = try await client.xreadgroup(group: "workers", consumer: "w1", stream: stream, id: "0")
        #expect(again?.map(\.id) == [id])

        #expect(try await client.xack(stream: stream, group: "workers", ids: [id]) == 1)
        let afterAck = try await client.xpending(stream: stream, group: "workers")
        #expect(afterAck.count == 0)
        #expect(afterAck.smallestID == nil)
        #expect(afterAck.consumers.isEmpty)
        await client.close()
    }

    @Test func readingSeveralStreams() async throws {
        let client = try await sharedClient()
        let prefix = TestRedis.shared.keyPrefix()
        let streams = [prefix + "a", prefix + "b"]
        for stream in streams { try await client.xgroupCreate(stream: stream, group: "g", startID: "0") }
        try await client.xadd(stream: streams[0], fields: [("n", 1)])
        try await client.xadd(stream: streams[1], fields: [("n", 2)])
        try await client.xadd(stream: streams[1], fields: [("n", 3)])
        let read = try #require(try await client.xreadgroup(group: "g", consumer: "c", streams: streams))
        #expect(read[streams[0]]?.compactMap { $0.string("n") } == ["1"])
        #expect(read[streams[1]]?.compactMap { $0.string("n") } == ["2", "3"])
        await client.close()
    }

    @Test func blockingReadReturnsNilOnTimeout() async throws {
        let client = try await sharedClient(readTimeout: .milliseconds(400))
        let stream = TestRedis.shared.keyPrefix() + "quiet"
        try await client.xgroupCreate(stream: stream, group: "g")
        let clock = ContinuousClock()
        let start = clock.now
        // Blocks longer than the socket read timeout: the call raises it for the wait.
        let entries = try await client.xreadgroup(group: "g", consumer: "c", stream: stream, block: .milliseconds(800))
        #expect(entries == nil)
        #expect(clock.now - start >= .milliseconds(750))
        await client.close()
    }

    @Test func blockingReadReturnsAnEntryAddedWhileBlocked() async throws {
        let client = try await sharedClient(maxConnections: 2)
        let stream = TestRedis.shared.keyPrefix() + "wake"
        try await client.xgroupCreate(stream: stream, group: "g")
        let clock = ContinuousClock()
        let start = clock.now
        async let read = client.xreadgroup(group: "g", consumer: "c", stream: stream, block: .seconds(10))
        try await Task.sleep(for: .milliseconds(300))
        let id = try await client.xadd(stream: stream, fields: [("job", "wake-up")])
        let entries = try await read
        #expect(entries?.map(\.id) == [id])
        #expect(entries?.first?.string("job") == "wake-up")
        #expect(clock.now - start < .seconds(5))
        await client.close()
    }

    @Test func autoclaimReclaimsWhatADeadConsumerLeft() async throws {
        let client = try await sharedClient()
        let stream = TestRedis.shared.keyPrefix() + "lease"
        try await client.xgroupCreate(stream: stream, group: "g", startID: "0")
        let first = try await client.xadd(stream: stream, fields: [("job", "1")])
        let second = try await client.xadd(stream: stream, fields: [("job", "2")])
        // "dead" reads both and never acknowledges.
        let taken = try await client.xreadgroup(group: "g", consumer: "dead", stream: stream)
        #expect(taken?.count == 2)

        // Not idle long enough yet: nothing to claim.
        let early = try await client.xautoclaim(stream: stream, group: "g", consumer: "alive", minIdle: .seconds(60))
        #expect(early.entries.isEmpty)

        // The second entry is deleted while pending: Redis 7 reports it as deleted.
        try await client.send(["XDEL", .init(stream), .init(second)])
        try await Task.sleep(for: .milliseconds(150))
        let claim = try await client.xautoclaim(
            stream: stream, group: "g", consumer: "alive", minIdle: .milliseconds(100), count: 10)
        #expect(claim.entries.map(\.id) == [first])
        #expect(claim.entries.first?.string("job") == "1")
        #expect(claim.deletedIDs == [second])
        #expect(claim.nextStart == "0-0")

        let pending = try await client.xpending(stream: stream, group: "g")
        #expect(pending.count == 1)
        #expect(pending.consumers == ["alive": 1])
        #expect(try await client.xack(stream: stream, group: "g", ids: [first]) == 1)
        await client.close()
    }

    @Test func readingAMissingGroupSurfacesNOGROUP() async throws {
        let client = try await sharedClient()
        let stream = TestRedis.shared.keyPrefix() + "nogroup"
        let error = await #expect(throws: RedisError.self) {
            try await client.xreadgroup(group: "absent", consumer: "c", stream: stream)
        }
        #expect(error?.prefix == "NOGROUP")
        await client.close()
    }
}
