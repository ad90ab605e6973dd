/// Why the pool could not provide a connection.
public struct ConnectionPoolError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The reason, stable across releases.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable { case closed, cancelled }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// The pool was shut down; no connection will be handed out again.
        public static let closed = Code(.closed)
        /// The task waiting for a connection was cancelled.
        public static let cancelled = Code(.cancelled)
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public let code: Code
    /// Which pool (e.g. "postgres", "redis").
    public let pool: String

    public init(code: Code, pool: String) {
        self.code = code
        self.pool = pool
    }

    public var description: String {
        switch code {
        case .closed: "the \(pool) connection pool is shut down; no new work can be started"
        default: "waiting for a \(pool) connection was cancelled"
        }
    }
}
