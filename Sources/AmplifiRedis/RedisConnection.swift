public import AmplifiConcurrency
import CHiredis
import Glibc
public import Logging
import Synchronization

/// One hiredis connection. Every hiredis call and socket operation runs on the
/// connection's own thread (its actor executor, a `ThreadExecutor`), never on Swift's cooperative
/// thread pool.
///
/// A connection is not shared between concurrent tasks: lease one from a
/// ``RedisClient``. Commands are written by this type (RESP, `MSG_NOSIGNAL`) and their
/// replies parsed by hiredis. When the connection is found broken *before* a command
/// was written (a server restart noticed on an idle socket, a failed write that sent
/// nothing) it reconnects and tries once more; once a command was written, a failure
/// is reported (`connectionLost`, `timeout`) because the command may have run, and the
/// connection reports `isUsable == false` so the pool replaces it.
public actor RedisConnection: PoolableConnection {
    private nonisolated let executor: ThreadExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Where this connection connects (and reconnects) to.
    public nonisolated let configuration: RedisConfiguration
    nonisolated let logger: Logger

    /// The hiredis context; nil when closed or after a failed reconnect.
    private var context: UnsafeMutablePointer<redisContext>?
    /// Set when a write or read failed: the reply stream can no longer be trusted.
    private var isBroken = false
    /// Set by `close()`: no reconnect after that.
    private var isClosed = false
    /// The open context's socket, so a cancelled blocking command can be interrupted
    /// from another thread (`shutdown`). Guarded together with freeing the context, so
    /// a reused descriptor number is never shut down by mistake.
    private nonisolated let cancelSocket = Mutex<Int32?>(nil)

    private init(configuration: RedisConfiguration, logger: Logger) {
        self.executor = ThreadExecutor(label: "amplifi.redis.connection")
        self.configuration = configuration
        self.logger = logger
    }

    /// Opens a connection, authenticates (`AUTH`) and selects the database.
    /// Throws `connectionFailed` with a message that says what to check.
    public static func connect(
        _ configuration: RedisConfiguration, logger: Logger = Logger(label: "amplifi.redis")
    ) async throws -> RedisConnection {
        let connection = RedisConnection(configuration: configuration, logger: logger)
        try await connection.open()
        return connection
    }

    /// Opens a connection to a `redis://` or `unix://` URL (see ``RedisConfiguration``).
    public static func connect(url: String, logger: Logger = Logger(label: "amplifi.redis")) async throws
        -> RedisConnection
    {
        try await connect(RedisConfiguration(url: url), logger: logger)
    }

    // MARK: - Lifecycle

    /// Closes the connection. Further calls fail with `connectionClosed`.
    public func close() {
        isClosed = true
        tearDown()
    }

    /// Usable when open and no read or write has failed on it.
    public var isUsable: Bool {
        guard let context, !isClosed, !isBroken else { return false }
        return context.pointee.err == 0
    }

    /// Notices a server that closed the socket while the connection sat idle: the
    /// socket is then readable (EOF), which an idle RESP2 connection never is.
    /// No round-trip.
    public func checkIdleHealth() -> Bool {
        guard isUsable, let context else { return false }
        return !Self.socketIsReadable(context.pointee.fd)
    }

    private func open() throws {
        let context = try Self.makeContext(configuration)
        self.context = context
        isBroken = false
        cancelSocket.withLock { $0 = context.pointee.fd }
        do {
            if let password = configuration.password {
                var auth: [RedisArgument] = ["AUTH"]
                if let username = configuration.username { auth.append(.init(username)) }
                auth.append(.init(password))
                try handshake(auth, what: "authentication failed", hint: "check the password in AMPLIFI_REDIS_URL")
            }
            if configuration.database != 0 {
                try handshake(
                    ["SELECT", .init(configuration.database)],
                    what: "could not select database \(configuration.database)",
                    hint: "check the database number in AMPLIFI_REDIS_URL")
            }
        } catch {
            tearDown()
            throw error
        }
    }

    private func handshake(_ command: [RedisArgument], what: String, hint: String) throws {
        do {
            try exchange([command], command: RedisCommandEncoder.commandName(command), blockingFor: nil)[0]
                .checked(command: RedisCommandEncoder.commandName(command))
        } catch let error as RedisError {
            throw RedisError(
                code: .connectionFailed,
                // The server's words are not repeated: only its error class (prefix) and a fixed text.
                message: "connected to Redis at \(configuration.endpointDescription) but \(what) "
                    + "(\(error.prefix ?? "ERR")) (\(hint))",
                prefix: error.prefix)
        }
    }

    private func reconnect() throws {
        tearDown()
        try open()
        logger.info("reconnected to Redis", metadata: ["redis_endpoint": "\(configuration.endpointDescription)"])
    }

    private func tearDown() {
        let context = self.context
        self.context = nil
        cancelSocket.withLock { socket in
            socket = nil
            if let context { redisFree(context) }
        }
    }

    /// The context to send on: reconnects first when the current one is known broken or
    /// its idle socket shows the server went away (nothing was written yet, so this is safe).
    private func contextForWriting() throws -> UnsafeMutablePointer<redisContext> {
        if isClosed { throw RedisError(code: .connectionClosed, message: "the Redis connection is closed") }
        if let context, !isBroken, context.pointee.err == 0, !Self.socketIsReadable(context.pointee.fd) {
            return context
        }
        if context != nil {
            logger.debug("Redis connection found broken before sending; reconnecting")
        }
        try reconnect()
        guard let context else { throw RedisError(code: .connectionClosed, message: "the Redis connection is closed") }
        return context
    }

    // MARK: - Commands

    /// Sends one command and returns its reply; an error reply is thrown as a
    /// ``RedisError`` with code `server` and the server's prefix.
    @discardableResult
    public func send(_ arguments: [RedisArgument]) throws -> RedisValue {
        try Task.checkCancellation()
        let name = RedisCommandEncoder.commandName(arguments)
        return try roundTrip([arguments], command: name, blockingFor: nil)[0].checked(command: name)
    }

    /// Sends a command that the server may hold for up to `block` before answering
    /// (`XREADGROUP … BLOCK`, `BLPOP`, `WAIT`): the socket's read timeout is raised by
    /// `block` for this call and restored afterwards. `.zero` waits forever (as
    /// `BLOCK 0` does). Cancelling the task interrupts the wait; the call then fails
    /// with `cancelled` and the connection is not reused.
    @discardableResult
    public nonisolated func send(_ arguments: [RedisArgument], blockingFor block: Duration) async throws -> RedisValue {
        try Task.checkCancellation()
        // The operation awaits an isolated method: a closure given to
        // withTaskCancellationHandler does not run on this actor's executor by itself.
        return try await withTaskCancellationHandler {
            try await self.sendBlocking(arguments, blockingFor: block)
        } onCancel: {
            cancelSocket.withLock { socket in
                if let socket { _ = Glibc.shutdown(socket, Int32(SHUT_RDWR)) }
            }
        }
    }

    private func sendBlocking(_ arguments: [RedisArgument], blockingFor block: Duration) throws -> RedisValue {
        let name = RedisCommandEncoder.commandName(arguments)
        return try roundTrip([arguments], command: name, blockingFor: block)[0].checked(command: name)
    }

    /// Sends every command in one write and reads the replies in order: one
    /// round-trip. Error replies are returned in place (`.error`), since the commands
    /// around them still ran; use ``RedisValue/checked(command:)`` to throw them.
    public func pipeline(_ commands: [[RedisArgument]]) throws -> [RedisValue] {
        try Task.checkCancellation()
        if commands.isEmpty { return [] }
        return try roundTrip(commands, command: nil, blockingFor: nil)
    }

    /// Writes `commands` (reconnecting and retrying once if the connection was found
    /// broken before anything was written) and reads their replies.
    private func roundTrip(_ commands: [[RedisArgument]], command: String?, blockingFor: Duration?) throws
        -> [RedisValue]
    {
        guard !commands.contains(where: \.isEmpty) else {
            throw RedisError(code: .protocolViolation, message: "a Redis command needs at least one argument")
        }
        let payload = RedisCommandEncoder.encode(commands)
        var attempt = 1
        while true {
            let context = try contextForWriting()
            do {
                return try exchange(
                    commands, payload: payload, context: context, command: command, blockingFor: blockingFor)
            } catch let failure as WriteFailure where failure.nothingWritten && attempt == 1 {
                attempt += 1
                logger.debug("writing to Redis failed before anything was sent; reconnecting and retrying once")
            } catch let failure as WriteFailure {
                throw failure.error
            }
        }
    }

    /// Writes `commands` on the current context and reads their replies (no reconnect).
    private func exchange(_ commands: [[RedisArgument]], command: String?, blockingFor: Duration?) throws
        -> [RedisValue]
    {
        guard let context else { throw RedisError(code: .connectionClosed, message: "the Redis connection is closed") }
        do {
            return try exchange(
                commands, payload: RedisCommandEncoder.encode(commands), context: context, command: command,
                blockingFor: blockingFor)
        } catch let failure as WriteFailure {
            throw failure.error
        }
    }

    private func exchange(
        _ commands: [[RedisArgument]], payload: [UInt8], context: UnsafeMutablePointer<redisContext>,
        command: String?, blockingFor: Duration?
    ) throws -> [RedisValue] {
        try write(payload, context: context, command: command)
        if let blockingFor {
            setSocketTimeout(context, Self.raised(configuration.readTimeout, by: blockingFor))
        }
        defer {
            if blockingFor != nil, isUsable { setSocketTimeout(context, configuration.readTimeout) }
        }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var reply: UnsafeMutableRawPointer?
            let status = redisGetReply(context, &reply)
            let savedErrno = errno
            guard status == REDIS_OK, let reply else {
                isBroken = true
                throw readError(context, errno: savedErrno, command: command, blocking: blockingFor != nil)
            }
            replies.append(Self.value(of: reply.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(reply)
        }
        return replies
    }

    /// A failed write: `nothingWritten` means the server cannot have seen the command.
    private struct WriteFailure: Error {
        let nothingWritten: Bool
        let error: RedisError
    }

    private func write(_ payload: [UInt8], context: UnsafeMutablePointer<redisContext>, command: String?) throws {
        let socket = context.pointee.fd
        var offset = 0
        while offset < payload.count {
            let written = payload.withUnsafeBytes { buffer in
                Glibc.send(socket, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
            }
            let savedErrno = errno
            if written > 0 {
                offset += written
                continue
            }
            if written < 0, savedErrno == EINTR { continue }
            isBroken = true
            let reason = Self.systemMessage(savedErrno)
            if offset == 0 {
                throw WriteFailure(
                    nothingWritten: true,
                    error: RedisError(
                        code: .connectionLost,
                        message: "could not send the command to Redis (\(reason)); it did not run", command: command))
            }
            let timedOut = savedErrno == EAGAIN || savedErrno == EWOULDBLOCK
            throw WriteFailure(
                nothingWritten: false,
                error: RedisError(
                    code: timedOut ? .timeout : .connectionLost,
                    message: timedOut
                        ? "Redis stopped accepting the command within the timeout; the command may or may not have run"
                        : "the connection to Redis was lost while sending (\(reason)); the command may or may not have run",
                    command: command))
        }
    }

    private func readError(
        _ context: UnsafeMutablePointer<redisContext>, errno savedErrno: Int32, command: String?, blocking: Bool
    ) -> RedisError {
        let reason = Self.errorString(context)
        if blocking, Task.isCancelled {
            return RedisError(
                code: .cancelled, message: "the blocking command was cancelled; the connection will not be reused",
                command: command)
        }
        switch context.pointee.err {
        case REDIS_ERR_IO where savedErrno == EAGAIN || savedErrno == EWOULDBLOCK:
            let limit = configuration.readTimeout.map { " (\($0))" } ?? ""
            return RedisError(
                code: .timeout,
                message: "Redis did not answer within the read timeout\(limit); the command may or may not have run",
                command: command)
        case REDIS_ERR_PROTOCOL:
            return RedisError(
                code: .protocolViolation, message: "Redis sent a reply hiredis could not parse: \(reason)",
                command: command)
        case REDIS_ERR_OOM:
            return RedisError(
                code: .protocolViolation, message: "out of memory reading a Redis reply", command: command)
        default:
            return RedisError(
                code: .connectionLost,
                message: "the connection to Redis was lost (\(reason)); the command may or may not have run",
                command: command)
        }
    }

    private func setSocketTimeout(_ context: UnsafeMutablePointer<redisContext>, _ timeout: Duration?) {
        if redisSetTimeout(context, Self.timeval(timeout)) != REDIS_OK { isBroken = true }
    }

    // MARK: - hiredis helpers

    private static func makeContext(_ configuration: RedisConfiguration) throws -> UnsafeMutablePointer<redisContext> {
        let connectTimeout = timeval(configuration.connectTimeout)
        let context: UnsafeMutablePointer<redisContext>? =
            switch configuration.endpoint {
            case .tcp(let host, let port): redisConnectWithTimeout(host, Int32(port), connectTimeout)
            case .unixSocket(let path): redisConnectUnixWithTimeout(path, connectTimeout)
            }
        guard let context else {
            throw RedisError(code: .connectionFailed, message: "could not allocate a Redis connection (out of memory)")
        }
        if context.pointee.err != 0 {
            let reason = errorString(context)
            redisFree(context)
            throw RedisError(
                code: .connectionFailed,
                message: "could not connect to Redis at \(configuration.endpointDescription): \(reason) "
                    + "(check AMPLIFI_REDIS_URL and that the server is running)")
        }
        if case .tcp = configuration.endpoint { _ = redisEnableKeepAlive(context) }
        if redisSetTimeout(context, timeval(configuration.readTimeout)) != REDIS_OK {
            let reason = errorString(context)
            redisFree(context)
            throw RedisError(code: .connectionFailed, message: "could not set the Redis socket timeout: \(reason)")
        }
        return context
    }

    /// Converts a hiredis reply tree into a ``RedisValue``.
    private static func value(of reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let node = reply.pointee
        switch node.type {
        case REDIS_REPLY_STRING:
            return .bulk(bytes(node.str, node.len))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(node.str, node.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(node.str, node.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int(node.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisValue] = []
            elements.reserveCapacity(node.elements)
            for index in 0..<node.elements {
                if let element = node.element[index] {
                    elements.append(value(of: element))
                } else {
                    elements.append(.null)
                }
            }
            return .array(elements)
        default:
            return .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            let text = raw.prefix { $0 != 0 }
            return text.isEmpty ? "unknown error" : String(decoding: text, as: UTF8.self)
        }
    }

    private static func systemMessage(_ code: Int32) -> String {
        strerror(code).map { String(cString: $0) } ?? "errno \(code)"
    }

    /// True when the socket has data, EOF or an error pending (poll, no wait).
    private static func socketIsReadable(_ socket: Int32) -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) != 0
    }

    /// The read timeout for a blocking call: the normal one plus the block time;
    /// nil (no timeout) when either is unlimited.
    private static func raised(_ timeout: Duration?, by block: Duration) -> Duration? {
        guard let timeout, block > .zero else { return nil }
        return timeout + block
    }

    /// A `timeval` for hiredis; nil (no timeout) becomes zero, which the socket reads as "forever".
    private static func timeval(_ duration: Duration?) -> Glibc.timeval {
        guard let duration, duration > .zero else { return Glibc.timeval(tv_sec: 0, tv_usec: 0) }
        let (seconds, attoseconds) = duration.components
        var value = Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        if value.tv_sec == 0, value.tv_usec == 0 { value.tv_usec = 1 }
        return value
    }
}
