/// Where and how to connect: endpoint, credentials, database and timeouts.
///
/// Parsed from `AMPLIFI_REDIS_URL`: `redis://[[user]:password@]host[:port][/db]` or
/// `unix:///path/to/redis.sock[?db=N]`. Its `description` never shows the password.
public struct RedisConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// The server's address.
    public enum Endpoint: Sendable, Hashable {
        /// A TCP host (name or IP literal) and port.
        case tcp(host: String, port: Int)
        /// A unix domain socket path.
        case unixSocket(path: String)
    }

    /// The server's address.
    public var endpoint: Endpoint
    /// ACL user for `AUTH user password` (Redis 6+); nil means `AUTH password`.
    public var username: String?
    /// Sent with `AUTH` right after connecting; never logged.
    public var password: String?
    /// The logical database, selected right after connecting when not 0.
    public var database: Int
    /// How long to wait for the TCP/unix connect.
    public var connectTimeout: Duration
    /// How long to wait for a reply before failing with `timeout`; nil waits forever.
    /// Blocking commands (`send(_:blockingFor:)`) get their block time on top.
    public var readTimeout: Duration?

    public init(
        endpoint: Endpoint, username: String? = nil, password: String? = nil, database: Int = 0,
        connectTimeout: Duration = .seconds(5), readTimeout: Duration? = .seconds(10)
    ) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
    }

    /// Parses a `redis://` or `unix://` URL. Percent-escapes in the user and password
    /// are decoded. Throws `invalidURL` (without echoing the URL, which may hold a password).
    public init(url: String, connectTimeout: Duration = .seconds(5), readTimeout: Duration? = .seconds(10)) throws {
        func invalid(_ reason: String) -> RedisError {
            RedisError(
                code: .invalidURL,
                message: "the Redis URL is not valid (\(reason)); expected redis://[:password@]host[:port][/db] "
                    + "or unix:///path/to/redis.sock[?db=N] (check AMPLIFI_REDIS_URL)")
        }
        func decoded(_ text: Substring) throws -> String {
            guard let value = Self.percentDecoded(text) else { throw invalid("bad percent-escape in the credentials") }
            return value
        }
        var rest = Substring(url)
        let isUnix: Bool
        if rest.hasPrefix("redis://") {
            rest = rest.dropFirst("redis://".count)
            isUnix = false
        } else if rest.hasPrefix("unix://") {
            rest = rest.dropFirst("unix://".count)
            isUnix = true
        } else if rest.hasPrefix("rediss://") {
            throw invalid("TLS (rediss://) is not supported by this hiredis build")
        } else {
            throw invalid("unknown scheme")
        }

        // Query: only `db` is understood.
        var queryDatabase: Int?
        if let mark = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0] == "db" else { throw invalid("unknown query parameter") }
                guard let db = Int(parts[1]), db >= 0 else { throw invalid("db must be a number") }
                queryDatabase = db
            }
            rest = rest[..<mark]
        }

        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                let user = userInfo[..<colon]
                username = user.isEmpty ? nil : try decoded(user)
                password = try decoded(userInfo[userInfo.index(after: colon)...])
            } else if !userInfo.isEmpty {
                // `redis://secret@host`: a lone user-info part is the password, as redis-cli reads it.
                password = try decoded(userInfo)
            }
        }

        let endpoint: Endpoint
        var database = 0
        if isUnix {
            guard rest.hasPrefix("/"), rest.count > 1 else { throw invalid("a unix socket needs an absolute path") }
            endpoint = .unixSocket(path: String(rest))
        } else {
            var hostPort = rest
            if let slash = rest.firstIndex(of: "/") {
                hostPort = rest[..<slash]
                let path = rest[rest.index(after: slash)...]
                if !path.isEmpty {
                    guard let db = Int(path), db >= 0 else { throw invalid("the path must be a database number") }
                    database = db
                }
            }
            var host = hostPort
            var port = 6379
            if hostPort.hasPrefix("[") {
                // IPv6 literal: [::1]:6379
                guard let close = hostPort.firstIndex(of: "]") else { throw invalid("unclosed IPv6 bracket") }
                host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
                let after = hostPort[hostPort.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix(":"), let value = Int(after.dropFirst()) else { throw invalid("bad port") }
                    port = value
                }
            } else if let colon = hostPort.lastIndex(of: ":") {
                host = hostPort[..<colon]
                guard let value = Int(hostPort[hostPort.index(after: colon)...]) else { throw invalid("bad port") }
                port = value
            }
            guard (1...65535).contains(port) else { throw invalid("port out of range") }
            if host.isEmpty { host = "127.0.0.1" }
            endpoint = .tcp(host: String(host), port: port)
        }
        if let queryDatabase { database = queryDatabase }
        self.init(
            endpoint: endpoint, username: username, password: password, database: database,
            connectTimeout: connectTimeout, readTimeout: readTimeout)
    }

    /// `redis://host:port/db` or `unix:///path`, with the password shown as `***`.
    public var description: String {
        let credentials = password == nil ? "" : "\(username ?? ""):***@"
        switch endpoint {
        case .tcp(let host, let port):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "redis://\(credentials)\(shownHost):\(port)/\(database)"
        case .unixSocket(let path):
            return "unix://\(credentials)\(path)" + (database == 0 ? "" : "?db=\(database)")
        }
    }

    /// The endpoint for error messages (no credentials).
    var endpointDescription: String {
        switch endpoint {
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unixSocket(let path): path
        }
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(value)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
