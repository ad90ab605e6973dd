import CLibpq
import Glibc

extension PostgresConnection {
    /// Sends every statement at once in libpq pipeline mode and reads the results
    /// after a single sync point: one network round-trip for the whole batch.
    ///
    /// The statements run in one implicit transaction: if one fails, the ones before
    /// it are rolled back and the ones after it are skipped, and the first error is
    /// thrown. Results come back in statement order.
    public nonisolated func pipeline(_ queries: [PostgresQuery]) async throws -> [PostgresResult] {
        guard !queries.isEmpty else { return [] }
        return try await forwardingCancellation { try await self.runPipeline(queries) }
    }

    private func runPipeline(_ queries: [PostgresQuery]) throws -> [PostgresResult] {
        let label = "pipeline of \(queries.count) statements"
        let connection = try liveHandle(for: label)
        guard PQenterPipelineMode(connection) == 1, PQsetnonblocking(connection, 1) == 0 else {
            throw makeError(result: nil, query: label)
        }
        defer {
            _ = PQexitPipelineMode(connection)
            _ = PQsetnonblocking(connection, 0)
        }
        // Nonblocking sends: libpq buffers, we flush while also reading, so neither
        // side's socket buffer can fill up and deadlock a long pipeline.
        for query in queries {
            let sent = try withBinds(query) { count, values in
                PQsendQueryParams(connection, query.sql, count, nil, values, nil, nil, 0)
            }
            guard sent == 1 else { throw makeError(result: nil, query: query.sql) }
            try flushSome(connection, query: label)
        }
        guard PQpipelineSync(connection) == 1 else { throw makeError(result: nil, query: label) }
        while PQflush(connection) == 1 { try waitSocket(connection, forWrite: true, query: label) }

        var results: [PostgresResult] = []
        results.reserveCapacity(queries.count)
        var firstError: (any Error)?
        var index = 0
        while true {
            guard let result = try nextResult(connection, query: label) else {
                // NULL separates one statement's results from the next.
                continue
            }
            let status = PQresultStatus(result)
            if status == PGRES_PIPELINE_SYNC {
                PQclear(result)
                break
            }
            let sql = index < queries.count ? queries[index].sql : label
            if status == PGRES_PIPELINE_ABORTED {
                PQclear(result)
                index += 1
                continue
            }
            do {
                try check(result, query: sql)
                results.append(PostgresResult(handle: result, query: sql))
            } catch {
                firstError = firstError ?? error
            }
            index += 1
        }
        if let firstError { throw firstError }
        return results
    }

    /// Pushes buffered output without waiting for all of it; reads input meanwhile.
    private func flushSome(_ connection: OpaquePointer, query: String) throws {
        let flushed = PQflush(connection)
        if flushed == -1 { throw makeError(result: nil, query: query) }
        if flushed == 1 {
            // Socket full: take in what the server has answered so far so it can go on.
            if PQconsumeInput(connection) == 0 { throw makeError(result: nil, query: query) }
        }
    }

    /// The next result, waiting on the socket while libpq needs more input.
    /// Returns nil at the end of one statement's results.
    private func nextResult(_ connection: OpaquePointer, query: String) throws -> OpaquePointer? {
        while PQisBusy(connection) == 1 {
            if PQflush(connection) == 1 { try waitSocket(connection, forWrite: true, query: query) }
            try waitSocket(connection, forWrite: false, query: query)
            if PQconsumeInput(connection) == 0 { throw makeError(result: nil, query: query) }
        }
        if PQstatus(connection) != CONNECTION_OK { throw makeError(result: nil, query: query) }
        return PQgetResult(connection)
    }

    private func waitSocket(_ connection: OpaquePointer, forWrite: Bool, query: String) throws {
        var descriptor = pollfd(
            fd: PQsocket(connection), events: Int16(forWrite ? POLLOUT | POLLIN : POLLIN), revents: 0)
        while true {
            let ready = poll(&descriptor, 1, -1)
            if ready >= 0 { break }
            if errno != EINTR { throw makeError(result: nil, query: query) }
        }
        if forWrite, descriptor.revents & Int16(POLLIN) != 0 {
            if PQconsumeInput(connection) == 0 { throw makeError(result: nil, query: query) }
        }
    }
}
