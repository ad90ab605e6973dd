/// One Redis reply, as RESP2 (hiredis 0.14) delivers it.
///
/// Bulk strings are bytes: Redis values are binary-safe and need not be UTF-8.
/// `RedisConnection.send` throws ``RedisError`` for a top-level error reply, so
/// `.error` appears only where the server answered several things at once (a
/// pipeline's replies, the elements of an `EXEC` or script result); ``checked()``
/// turns it into a thrown error there.
public enum RedisValue: Sendable, Hashable {
    /// A status reply (`+OK`, `+QUEUED`, `+PONG`).
    case status(String)
    /// An error reply (`-WRONGTYPE Operation against …`), whole, prefix included.
    case error(String)
    /// An integer reply.
    case integer(Int)
    /// A bulk string: arbitrary bytes.
    case bulk([UInt8])
    /// The null bulk string or null array (a missing key, a `BLOCK` that timed out).
    case null
    /// A multi-bulk reply.
    indirect case array([RedisValue])

    /// The text of a status or bulk reply; nil for other kinds and for bulk bytes
    /// that are not valid UTF-8.
    public var string: String? {
        switch self {
        case .status(let text): text
        case .bulk(let bytes): String(validating: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// The bytes of a bulk or status reply.
    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let bytes): bytes
        case .status(let text): Array(text.utf8)
        default: nil
        }
    }

    /// An integer reply, or a bulk/status reply holding a decimal integer (`GET counter`).
    public var int: Int? {
        switch self {
        case .integer(let value): value
        case .bulk, .status: string.flatMap { Int($0) }
        default: nil
        }
    }

    /// The elements of an array reply.
    public var array: [RedisValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// True for the null reply.
    public var isNull: Bool { self == .null }

    /// The server's message for an error reply.
    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }

    /// Returns the value, or throws a ``RedisError`` with code `server` when it is an
    /// error reply. `command` names the command in the error (never its arguments).
    @discardableResult
    public func checked(command: String? = nil) throws -> RedisValue {
        if case .error(let message) = self { throw RedisError(serverReply: message, command: command) }
        return self
    }
}
