public import AmplifiConcurrency
public import Logging

/// The process-wide entry point to Redis: a bounded pool of ``RedisConnection``s
/// plus shortcuts that lease one for a single call.
///
/// When a connection breaks (server restart, timeout) the call in flight fails with
/// `connectionLost` or `timeout` and the pool replaces the connection, so the next
/// call works.
public final class RedisClient: Sendable {
    /// The pool behind the client (for `withConnection` and tests).
    public let pool: ConnectionPool<RedisConnection>
    /// Where connections go (its `description` hides the password).
    public let configuration: RedisConfiguration

    /// Creates a client; no connection is opened until the first call.
    public init(
        configuration: RedisConfiguration, maxConnections: Int = 10, logger: Logger = Logger(label: "amplifi.redis")
    ) {
        self.configuration = configuration
        self.pool = ConnectionPool(name: "redis", maxConnections: maxConnections) {
            try await RedisConnection.connect(configuration, logger: logger)
        }
    }

    /// Creates a client for a `redis://` or `unix://` URL; throws `invalidURL`.
    public convenience init(url: String, maxConnections: Int = 10, logger: Logger = Logger(label: "amplifi.redis"))
        throws
    {
        try self.init(configuration: RedisConfiguration(url: url), maxConnections: maxConnections, logger: logger)
    }

    /// Sends one command on a pooled connection; error replies are thrown.
    @discardableResult
    public func send(_ arguments: [RedisArgument]) async throws -> RedisValue {
        try await pool.withConnection { try await $0.send(arguments) }
    }

    /// Sends a blocking command (`BLPOP`, `XREADGROUP … BLOCK`) that the server may hold
    /// for up to `block`; see ``RedisConnection/send(_:blockingFor:)``.
    @discardableResult
    public func send(_ arguments: [RedisArgument], blockingFor block: Duration) async throws -> RedisValue {
        try await pool.withConnection { try await $0.send(arguments, blockingFor: block) }
    }

    /// Sends `commands` in one round-trip on one connection; error replies come back in place.
    public func pipeline(_ commands: [[RedisArgument]]) async throws -> [RedisValue] {
        try await pool.withConnection { try await $0.pipeline(commands) }
    }

    /// Runs a Lua script by SHA1, loading it on `NOSCRIPT`.
    @discardableResult
    public func evalScript(
        _ script: RedisScript, keys: [RedisArgument] = [], arguments: [RedisArgument] = []
    ) async throws -> RedisValue {
        try await pool.withConnection { try await $0.evalScript(script, keys: keys, arguments: arguments) }
    }

    /// Runs `body` with one leased connection (several commands, same session: `MULTI`/`EXEC`, `WATCH`).
    public func withConnection<Result>(_ body: (RedisConnection) async throws -> Result) async throws -> Result {
        try await pool.withConnection(body)
    }

    /// Closes every connection; calls made afterwards fail.
    public func close() async {
        await pool.close()
    }
}
