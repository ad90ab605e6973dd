/// Why a connection could not be opened, as a SQLSTATE class and a fixed message.
///
/// libpq's own connection messages can quote parts of the connection string (an unparsable URL
/// is echoed token by token, a host name as given), and a password can hide in any of them. So
/// the message is only read to classify the failure and is then dropped: what reaches a log line,
/// an HTTP body or `--json` output is the SQLSTATE and the fixed text below, never libpq's words.
public enum PostgresConnectFailure: String, Sendable, CaseIterable {
    /// The server could not be reached (refused, unreachable, timed out, unknown host).
    case unreachable
    /// The server refused the user name or password.
    case authentication
    /// The database named in the URL does not exist.
    case unknownDatabase
    /// The server has no connection slot left.
    case tooManyConnections
    /// The server is starting up or shutting down.
    case notReady
    /// The URL or connection string could not be parsed.
    case invalidURL
    /// Anything else that stopped the connection.
    case other

    /// The SQLSTATE this failure stands for (Postgres' appendix A); nil for an unparsable URL,
    /// which never reached a server.
    public var sqlState: String? {
        switch self {
        case .unreachable: "08001"
        case .authentication: "28P01"
        case .unknownDatabase: "3D000"
        case .tooManyConnections: "53300"
        case .notReady: "57P03"
        case .invalidURL: nil
        case .other: "08006"
        }
    }

    /// A fixed message saying what to check; it never contains any part of the URL.
    public var message: String {
        switch self {
        case .unreachable:
            "could not reach the Postgres server (check the host and port in AMPLIFI_DATABASE_URL and that the server is running)"
        case .authentication:
            "the Postgres server refused the credentials (check the user and password in AMPLIFI_DATABASE_URL)"
        case .unknownDatabase: "the database named in AMPLIFI_DATABASE_URL does not exist"
        case .tooManyConnections: "the Postgres server has no connection slot left (max_connections); retry later"
        case .notReady: "the Postgres server is starting up or shutting down; retry later"
        case .invalidURL:
            "AMPLIFI_DATABASE_URL is not a valid Postgres URL (postgres://user:password@host:port/db; "
                + "percent-encode special characters in the password)"
        case .other: "could not connect to Postgres (check AMPLIFI_DATABASE_URL and that the server is running)"
        }
    }

    /// Classifies libpq's connection error text (English, as libpq prints it without NLS).
    public static func classify(libpqMessage text: String) -> PostgresConnectFailure {
        let message = text.lowercased()
        func has(_ fragments: String...) -> Bool { fragments.contains { message.contains($0) } }
        if has(
            "password authentication failed", "no password supplied", "authentication failed", "no pg_hba.conf entry",
            "password is required", "role \"")
        {
            return has("does not exist") && !has("role \"") ? .unknownDatabase : .authentication
        }
        if has("database \"") && has("does not exist") { return .unknownDatabase }
        if has("too many clients", "remaining connection slots") { return .tooManyConnections }
        if has("starting up", "shutting down", "in recovery mode", "not yet accepting") { return .notReady }
        if has(
            "invalid uri", "invalid connection option", "invalid percent-encoded", "missing \"=\"",
            "unterminated quoted",
            "invalid integer value", "invalid port", "unexpected spaces", "end of string reached", "invalid sslmode",
            "unrecognized", "invalid value")
        {
            return .invalidURL
        }
        if has(
            "connection refused", "could not connect", "could not translate host name", "timeout expired",
            "no route to host", "network is unreachable", "connection timed out", "name or service not known",
            "temporary failure in name resolution", "is the server running")
        {
            return .unreachable
        }
        return .other
    }

    /// The error a failed connection attempt throws.
    public var error: PostgresError {
        PostgresError(code: .connectionFailed, message: message, sqlState: sqlState)
    }
}

extension PostgresError {
    /// True when the error says Postgres could not be reached or the connection broke (SQLSTATE
    /// classes 08, 53, 57P0x, or the pool could not open a connection): retrying the same
    /// statement row by row would only hammer a server that is down.
    public var isConnectionProblem: Bool {
        if code == .connectionFailed || code == .connectionLost || code == .connectionClosed { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || sqlState.hasPrefix("53") || sqlState.hasPrefix("57P")
    }
}
