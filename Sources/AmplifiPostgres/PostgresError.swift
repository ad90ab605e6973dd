/// An error from the Postgres layer: a failed connection, a statement the server
/// rejected (with its SQLSTATE), or a value that could not be decoded.
///
/// `description` names the kind, the SQLSTATE and the server's primary message but
/// never the bound values, and never the server's `detail` (which can quote row
/// values such as phone numbers, e.g. "Key (phone)=(+1…) already exists"). Read
/// `detail` explicitly where it is safe to show.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure, stable across releases (new kinds never break a `switch`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case connectionFailed, connectionLost, connectionClosed, server, decoding, encoding, protocolViolation,
                cancelled
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Could not open a connection (server down, wrong URL, authentication).
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection broke while a call was in flight (server restarted, network cut).
        /// The statement may or may not have run; the pool replaces the connection.
        public static let connectionLost = Code(.connectionLost)
        /// The connection was already closed by this process.
        public static let connectionClosed = Code(.connectionClosed)
        /// The server rejected the statement; see `sqlState`.
        public static let server = Code(.server)
        /// A result value could not be decoded into the requested Swift type.
        public static let decoding = Code(.decoding)
        /// A bound value cannot be sent (for example text containing a NUL byte).
        public static let encoding = Code(.encoding)
        /// libpq returned something this layer did not expect.
        public static let protocolViolation = Code(.protocolViolation)
        /// The statement was cancelled because its task was cancelled.
        public static let cancelled = Code(.cancelled)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// The five-character SQLSTATE for server errors (e.g. "23505"); see ``SQLState``.
    public var sqlState: String?
    /// The server's or libpq's primary message, meant for a person.
    public var message: String
    /// The server's detail line. May contain row values: not part of `description`.
    public var detail: String?
    /// The violated constraint's name, when the server reports one.
    public var constraint: String?
    /// The statement's SQL text (with `$n` placeholders, never values), when known.
    public var query: String?

    public init(
        code: Code, message: String, sqlState: String? = nil, detail: String? = nil,
        constraint: String? = nil, query: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.constraint = constraint
        self.query = query
    }

    public var description: String {
        var text = "PostgresError(\(code)"
        if let sqlState { text += ", sqlState: \(sqlState)" }
        if let constraint { text += ", constraint: \(constraint)" }
        text += "): \(message)"
        return text
    }

    /// True when the error is a server error with the given SQLSTATE.
    public func hasSQLState(_ state: SQLState) -> Bool { sqlState == state.rawValue }
}

/// SQLSTATE codes this project reacts to (Postgres' appendix A).
public struct SQLState: RawRepresentable, Hashable, Sendable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// 23505: a unique constraint was violated.
    public static let uniqueViolation = SQLState(rawValue: "23505")
    /// 23503: a foreign key was violated.
    public static let foreignKeyViolation = SQLState(rawValue: "23503")
    /// 23514: a CHECK constraint was violated.
    public static let checkViolation = SQLState(rawValue: "23514")
    /// 23502: NULL in a NOT NULL column.
    public static let notNullViolation = SQLState(rawValue: "23502")
    /// 40001: serialization failure; retry the transaction.
    public static let serializationFailure = SQLState(rawValue: "40001")
    /// 40P01: deadlock detected; retry the transaction.
    public static let deadlockDetected = SQLState(rawValue: "40P01")
    /// 57014: query cancelled.
    public static let queryCanceled = SQLState(rawValue: "57014")
    /// 57P01: the server is shutting down.
    public static let adminShutdown = SQLState(rawValue: "57P01")
    /// 42P01: undefined table (e.g. migrations not applied).
    public static let undefinedTable = SQLState(rawValue: "42P01")
}
