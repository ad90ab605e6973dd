/// Stream and consumer-group helpers: the job queues of the dispatch engine.
extension RedisClient {
    /// `XADD stream [MAXLEN ~ n] id field value …`; returns the new entry's id.
    /// `maxLength` trims approximately (`~`), which is cheap.
    @discardableResult
    public func xadd(
        stream: String, id: String = "*", fields: [(String, RedisArgument)], maxLength: Int? = nil
    ) async throws -> String {
        var command: [RedisArgument] = ["XADD", .init(stream)]
        if let maxLength { command += ["MAXLEN", "~", .init(maxLength)] }
        command.append(.init(id))
        for (name, value) in fields { command += [.init(name), value] }
        let reply = try await send(command)
        guard let entryID = reply.string else { throw RedisStreamEntry.unexpected("XADD") }
        return entryID
    }

    /// `XGROUP CREATE stream group startID MKSTREAM`. Returns false when the group
    /// already exists (`BUSYGROUP` is not an error here), so every worker may call it.
    @discardableResult
    public func xgroupCreate(stream: String, group: String, startID: String = "$") async throws -> Bool {
        do {
            try await send(["XGROUP", "CREATE", .init(stream), .init(group), .init(startID), "MKSTREAM"])
            return true
        } catch let error as RedisError where error.hasPrefix("BUSYGROUP") {
            return false
        }
    }

    /// `XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] STREAMS key… id…`.
    ///
    /// `id` is `>` for new entries or an id (`0`) to re-read this consumer's pending
    /// ones. With `block`, the server waits up to that long for an entry (the socket
    /// read timeout is raised accordingly). Returns the entries per stream, or nil
    /// when there were none (the block timed out).
    public func xreadgroup(
        group: String, consumer: String, streams: [String], id: String = ">", count: Int? = nil,
        block: Duration? = nil
    ) async throws -> [String: [RedisStreamEntry]]? {
        var command: [RedisArgument] = ["XREADGROUP", "GROUP", .init(group), .init(consumer)]
        if let count { command += ["COUNT", .init(count)] }
        if let block { command += ["BLOCK", .init(milliseconds: block)] }
        command.append("STREAMS")
        command += streams.map { RedisArgument($0) }
        command += streams.map { _ in RedisArgument(id) }
        let reply =
            if let block {
                try await send(command, blockingFor: block)
            } else {
                try await send(command)
            }
        if reply.isNull { return nil }
        guard let perStream = reply.array else { throw RedisStreamEntry.unexpected("XREADGROUP") }
        var result: [String: [RedisStreamEntry]] = [:]
        for item in perStream {
            guard let pair = item.array, pair.count == 2, let name = pair[0].string else {
                throw RedisStreamEntry.unexpected("XREADGROUP")
            }
            result[name, default: []] += try RedisStreamEntry.entries(from: pair[1], command: "XREADGROUP")
        }
        return result
    }

    /// `XREADGROUP` on a single stream: its entries, or nil when there were none.
    public func xreadgroup(
        group: String, consumer: String, stream: String, id: String = ">", count: Int? = nil, block: Duration? = nil
    ) async throws -> [RedisStreamEntry]? {
        try await xreadgroup(group: group, consumer: consumer, streams: [stream], id: id, count: count, block: block)?[
            stream]
    }

    /// `XACK stream group id…`; returns how many entries were acknowledged.
    @discardableResult
    public func xack(stream: String, group: String, ids: [String]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let reply = try await send(["XACK", .init(stream), .init(group)] + ids.map { RedisArgument($0) })
        guard let acknowledged = reply.int else { throw RedisStreamEntry.unexpected("XACK") }
        return acknowledged
    }

    /// `XAUTOCLAIM stream group consumer min-idle start [COUNT n]`: takes over entries
    /// pending for at least `minIdle` with any consumer (one that died holding them).
    public func xautoclaim(
        stream: String, group: String, consumer: String, minIdle: Duration, start: String = "0-0", count: Int? = nil
    ) async throws -> RedisStreamClaim {
        var command: [RedisArgument] = [
            "XAUTOCLAIM", .init(stream), .init(group), .init(consumer), .init(milliseconds: minIdle), .init(start),
        ]
        if let count { command += ["COUNT", .init(count)] }
        let reply = try await send(command)
        guard let parts = reply.array, parts.count >= 2, let next = parts[0].string else {
            throw RedisStreamEntry.unexpected("XAUTOCLAIM")
        }
        let entries = try RedisStreamEntry.entries(from: parts[1], command: "XAUTOCLAIM")
        var deleted: [String] = []
        if parts.count >= 3 {
            guard let ids = parts[2].array else { throw RedisStreamEntry.unexpected("XAUTOCLAIM") }
            deleted = ids.compactMap(\.string)
        }
        return RedisStreamClaim(nextStart: next, entries: entries, deletedIDs: deleted)
    }

    /// `XPENDING stream group`: how many entries are delivered but unacknowledged, and by whom.
    public func xpending(stream: String, group: String) async throws -> RedisPendingSummary {
        let reply = try await send(["XPENDING", .init(stream), .init(group)])
        guard let parts = reply.array, parts.count == 4, let count = parts[0].int else {
            throw RedisStreamEntry.unexpected("XPENDING")
        }
        var consumers: [String: Int] = [:]
        if let rows = parts[3].array {
            for row in rows {
                guard let pair = row.array, pair.count == 2, let name = pair[0].string, let pending = pair[1].int else {
                    throw RedisStreamEntry.unexpected("XPENDING")
                }
                consumers[name] = pending
            }
        }
        return RedisPendingSummary(
            count: count, smallestID: parts[1].string, greatestID: parts[2].string, consumers: consumers)
    }
}
