/// An error from the Redis layer: no connection, a lost connection or timeout, or a
/// command the server rejected (with its error prefix, e.g. `WRONGTYPE`).
///
/// `description` names the kind, the error prefix, the command name and a message,
/// but never the command's arguments (keys and values may hold phone numbers or
/// message bodies). Server messages that echo arguments (`unknown command …, with
/// args beginning with: …`) are cut before the echo.
public struct RedisError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure, stable across releases (new kinds never break a `switch`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case connectionFailed, connectionLost, connectionClosed, timeout, server, protocolViolation,
                invalidURL, cancelled
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Could not open a connection (server down, wrong URL, wrong password).
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection broke while a command was in flight (server restarted,
        /// network cut). The command may or may not have run; the pool replaces the
        /// connection and the next call works.
        public static let connectionLost = Code(.connectionLost)
        /// The connection was already closed by this process.
        public static let connectionClosed = Code(.connectionClosed)
        /// The server did not answer within the read timeout. The command may or may
        /// not have run; the connection is not reused.
        public static let timeout = Code(.timeout)
        /// The server answered with an error; see ``RedisError/prefix``.
        public static let server = Code(.server)
        /// hiredis or the server returned something this layer did not expect.
        public static let protocolViolation = Code(.protocolViolation)
        /// The Redis URL could not be parsed.
        public static let invalidURL = Code(.invalidURL)
        /// A blocking command was cancelled because its task was cancelled; the
        /// connection is not reused.
        public static let cancelled = Code(.cancelled)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// A message meant for a person (for server errors, the server's message).
    public var message: String
    /// For server errors, the first word of the reply: `ERR`, `WRONGTYPE`, `NOSCRIPT`,
    /// `BUSYGROUP`, `NOGROUP`, …
    public var prefix: String?
    /// The command's name (its first argument, e.g. `EVALSHA`), never its arguments.
    public var command: String?

    public init(code: Code, message: String, prefix: String? = nil, command: String? = nil) {
        self.code = code
        self.message = message
        self.prefix = prefix
        self.command = command
    }

    /// An error for the server's error reply `reply` (`"WRONGTYPE Operation …"`).
    init(serverReply reply: String, command: String?) {
        let word = reply.prefix { $0 != " " }
        let isPrefix = !word.isEmpty && word.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" }
        self.init(code: .server, message: Self.redacted(reply), prefix: isPrefix ? String(word) : nil, command: command)
    }

    /// True for a server error with the given prefix (`error.hasPrefix("NOSCRIPT")`).
    public func hasPrefix(_ prefix: String) -> Bool { code == .server && self.prefix == prefix }

    public var description: String {
        var text = "RedisError(\(code)"
        if let prefix { text += ", \(prefix)" }
        if let command { text += ", command: \(command)" }
        text += "): \(message)"
        return text
    }

    /// Cuts server messages that quote the command's arguments.
    static func redacted(_ message: String) -> String {
        for marker in [", with args beginning with:"] {
            if let range = message.firstRange(of: marker) {
                return String(message[..<range.lowerBound]) + " (arguments redacted)"
            }
        }
        return message
    }
}
