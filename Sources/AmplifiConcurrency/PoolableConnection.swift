/// A connection that a ``ConnectionPool`` can hand out, check and throw away.
public protocol PoolableConnection: AnyObject, Sendable {
    /// False once the connection is known to be broken (server gone, socket closed,
    /// protocol error); the pool then closes it instead of reusing it.
    var isUsable: Bool { get async }

    /// A cheap, non-blocking check done before an idle connection is handed out again:
    /// it notices a peer that closed the socket while the connection sat idle
    /// (for example a database restart).
    func checkIdleHealth() async -> Bool

    /// Releases the underlying resources. Called once, by the pool.
    func close() async
}
