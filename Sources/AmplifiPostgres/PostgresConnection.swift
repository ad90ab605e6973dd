public import AmplifiConcurrency
import CLibpq
import Glibc
public import Logging
import Synchronization

/// One libpq connection. Every libpq call runs on the connection's own serial
/// queue (its actor executor), never on Swift's cooperative thread pool.
///
/// A connection is not shared between concurrent tasks: lease one from a
/// ``PostgresClient``. Sessions use `TimeZone=UTC` and `DateStyle=ISO`, which the
/// text decoders rely on.
public actor PostgresConnection: PoolableConnection {
    private nonisolated let executor: ThreadExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// The libpq handle (`PGconn *`); nil once closed.
    var handle: OpaquePointer?
    /// Cancels the statement in flight from another thread (`PGcancel *`).
    private nonisolated let canceller = Mutex<CancelHandle?>(nil)
    nonisolated let logger: Logger

    private init(label: String, logger: Logger) {
        self.executor = ThreadExecutor(label: label)
        self.logger = logger
    }

    /// Opens a connection from a libpq URL (`postgres://user:pass@host:port/db`,
    /// `postgresql:///db?host=/socket/dir` for a unix socket) or key=value string.
    public static func connect(url: String, logger: Logger = Logger(label: "amplifi.postgres")) async throws
        -> PostgresConnection
    {
        let connection = PostgresConnection(label: "amplifi.postgres.connection", logger: logger)
        try await connection.open(url: url)
        return connection
    }

    /// Whether a server answers at `url` (libpq's `PQping`); never throws.
    public static func ping(url: String) async -> Bool {
        await runOnDedicatedThread("amplifi.postgres.ping") { PQping(url) == PQPING_OK }
    }

    private func open(url: String) throws {
        // Session settings the decoders rely on, and the fuzzy contact search's trigram threshold
        // (pg_trgm's `%`: 0.24 lets "Jonh" find "John", 0.25, not "Joseph", 0.2; see sql/023); a
        // URL's own `options` comes later and wins.
        let keywords = ["options", "application_name", "client_encoding", "dbname"]
        let options =
            "-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres -c pg_trgm.similarity_threshold=0.24"
        let values = [options, "amplifi", "UTF8", url]
        let conn: OpaquePointer? = withCStringArray(keywords + [nil]) { keywordPointers in
            withCStringArray(values + [nil]) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            // libpq's text can quote the URL (and so a password): classify it, then drop it.
            let failure =
                conn.map { PostgresConnectFailure.classify(libpqMessage: String(cString: PQerrorMessage($0))) }
                ?? .other
            PQfinish(conn)
            throw failure.error
        }
        // Server notices ("relation already exists, skipping") are not errors; keep
        // them off stderr, where libpq's default receiver would print them.
        PQsetNoticeReceiver(conn, { _, _ in }, nil)
        handle = conn
        canceller.withLock { $0 = PQgetCancel(conn).map(CancelHandle.init) }
    }

    /// Closes the connection. Further calls fail with `connectionClosed`.
    public func close() {
        canceller.withLock { cancel in
            if let cancel { PQfreeCancel(cancel.pointer) }
            cancel = nil
        }
        PQfinish(handle)
        handle = nil
    }

    /// Usable when open and not inside a transaction left behind by a failed caller.
    public var isUsable: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// Notices a server that closed the socket while the connection sat idle: the
    /// socket is then readable (a FATAL "terminating connection" message, then EOF).
    /// A pooled connection never LISTENs, so nothing should arrive while it is idle;
    /// anything that does marks it unhealthy and the pool opens a fresh one. No round-trip.
    public func checkIdleHealth() -> Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 0
    }

    // MARK: - Statements

    /// Runs one statement and returns its rows.
    @discardableResult
    public nonisolated func query(_ query: PostgresQuery) async throws -> PostgresResult {
        try await forwardingCancellation { try await self.executeNow(query) }
    }

    /// Runs statements separated by semicolons, without parameters (migrations, DDL).
    public nonisolated func execute(script sql: String) async throws {
        try await forwardingCancellation { try await self.executeScriptNow(sql) }
    }

    func executeScriptNow(_ sql: String) throws {
        let connection = try liveHandle(for: sql)
        let result = PQexec(connection, sql)
        try check(result, query: sql)
        PQclear(result)
    }

    func executeNow(_ query: PostgresQuery) throws -> PostgresResult {
        let connection = try liveHandle(for: query.sql)
        let result: OpaquePointer? = try withBinds(query) { count, values in
            PQexecParams(connection, query.sql, count, nil, values, nil, nil, 0)
        }
        try check(result, query: query.sql)
        return PostgresResult(handle: result, query: query.sql)
    }

    func liveHandle(for query: String) throws -> OpaquePointer {
        guard let handle else {
            throw PostgresError(code: .connectionClosed, message: "the connection is closed", query: query)
        }
        return handle
    }

    /// Throws for a failed result (and frees it); leaves a good one alone.
    func check(_ result: OpaquePointer?, query: String) throws {
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN, PGRES_PIPELINE_SYNC:
            return
        default:
            let error = makeError(result: result, query: query)
            PQclear(result)
            throw error
        }
    }

    func makeError(result: OpaquePointer?, query: String) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let result, let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        if let handle, PQstatus(handle) != CONNECTION_OK {
            let message = field("M") ?? String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines
            return PostgresError(
                code: .connectionLost,
                message: "the connection to Postgres was lost: \(message); the statement may not have run",
                sqlState: field("C"), query: query)
        }
        if let sqlState = field("C") {
            if sqlState == SQLState.queryCanceled.rawValue, Task.isCancelled {
                return PostgresError(
                    code: .cancelled, message: "the statement was cancelled", sqlState: sqlState, query: query)
            }
            return PostgresError(
                code: .server, message: field("M") ?? "unknown server error", sqlState: sqlState,
                detail: field("D"), constraint: field("n"), query: query)
        }
        let message = handle.map { String(cString: PQerrorMessage($0)).trimmingTrailingNewlines } ?? "no connection"
        return PostgresError(code: .protocolViolation, message: message, query: query)
    }

    /// Runs `operation` (which must hop onto this actor by awaiting an isolated
    /// method: a closure given to `withTaskCancellationHandler` does not inherit the
    /// actor's executor); a cancelled task sends a cancel request to the server so a
    /// long statement stops instead of running on.
    nonisolated func forwardingCancellation<Result: Sendable>(
        _ operation: @Sendable () async throws -> Result
    ) async throws -> Result {
        try Task.checkCancellation()
        return try await withTaskCancellationHandler(operation: operation) {
            let cancel = canceller.withLock { $0 }
            guard let cancel else { return }
            detachOnDedicatedThread("amplifi.postgres.cancel") {
                var buffer = [CChar](repeating: 0, count: 256)
                _ = PQcancel(cancel.pointer, &buffer, Int32(buffer.count))
            }
        }
    }
}

/// A `PGcancel *`, safe to use from any thread (libpq documents PQcancel as thread-safe).
struct CancelHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

extension String {
    var trimmingTrailingNewlines: String {
        var text = self
        while text.last == "\n" || text.last == " " { text.removeLast() }
        return text
    }
}
