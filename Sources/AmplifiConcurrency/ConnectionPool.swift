import CoreMetrics
import DequeModule
import Synchronization

/// A bounded pool of connections shared by many tasks.
///
/// At most `maxConnections` are open at once; a task that finds none free waits in
/// line (first come, first served) until one is released. A connection that reports
/// itself broken on release is closed and its slot reopened by the next task that
/// needs one, so after a server restart the call in flight fails and the next works.
/// Idle connections are checked (cheaply, without a round-trip) before reuse.
///
/// Metrics (swift-metrics, labelled `pool` = ``name``): `amplifi_pool_wait_seconds`, how long a lease
/// waited for a connection; `amplifi_pool_connect_errors_total`, connections that could not be
/// opened; `amplifi_pool_broken_connections_total`, connections closed because they came back broken.
public final class ConnectionPool<Connection: PoolableConnection>: Sendable {
    /// Opens a new connection when the pool has a free slot.
    public typealias Factory = @Sendable () async throws -> Connection

    /// What a task waiting for a connection is handed.
    private enum Grant: Sendable {
        /// An idle, previously opened connection.
        case reuse(Connection)
        /// A free slot: the task opens its own connection.
        case open
    }

    private struct Waiter: Sendable {
        let id: UInt64
        let continuation: CheckedContinuation<Grant, any Error>
    }

    /// Where a returned connection goes.
    private enum ReturnPath {
        case handTo(Waiter)
        case keptIdle, close
    }

    private struct State: Sendable {
        var idle: [Connection] = []
        var openCount = 0
        var waiters = Deque<Waiter>()
        var nextWaiterID: UInt64 = 0
        var isClosed = false
    }

    /// Shown in errors and logs ("postgres", "redis").
    public let name: String
    /// The most connections open at the same time.
    public let maxConnections: Int
    private let factory: Factory
    private let state = Mutex(State())
    private let waitTimer: Timer
    private let connectErrors: Counter
    private let brokenConnections: Counter

    /// Creates an empty pool; connections are opened on demand by `factory`.
    public init(name: String, maxConnections: Int, factory: @escaping Factory) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.name = name
        self.maxConnections = maxConnections
        self.factory = factory
        self.waitTimer = Timer(label: "amplifi_pool_wait_seconds", dimensions: [("pool", name)])
        self.connectErrors = Counter(label: "amplifi_pool_connect_errors_total", dimensions: [("pool", name)])
        self.brokenConnections = Counter(
            label: "amplifi_pool_broken_connections_total", dimensions: [("pool", name)])
    }

    /// Runs `body` with a connection leased from the pool and returns it afterwards,
    /// also when `body` throws.
    public func withConnection<Result>(
        _ body: (Connection) async throws -> Result
    ) async throws -> Result {
        let connection = try await lease()
        do {
            let result = try await body(connection)
            await giveBack(connection)
            return result
        } catch {
            await giveBack(connection)
            throw error
        }
    }

    /// Connections currently open (leased or idle); for tests and metrics.
    public var openConnections: Int { state.withLock { $0.openCount } }

    /// Closes idle connections and refuses new leases; leased connections are closed
    /// when they come back.
    public func close() async {
        let (idle, waiters) = state.withLock { state in
            state.isClosed = true
            let idle = state.idle
            let waiters = state.waiters
            state.idle = []
            state.waiters = []
            state.openCount -= idle.count
            return (idle, waiters)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: ConnectionPoolError(code: .closed, pool: name))
        }
        for connection in idle { await connection.close() }
    }

    // MARK: - Leasing

    private func lease() async throws -> Connection {
        let asked = ContinuousClock.now
        let grant = try await grant()
        let (seconds, attoseconds) = (ContinuousClock.now - asked).components
        waitTimer.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        switch grant {
        case .reuse(let connection):
            if await connection.checkIdleHealth() { return connection }
            await connection.close()
            return try await openInHeldSlot()
        case .open:
            return try await openInHeldSlot()
        }
    }

    /// Opens a connection in a slot this task already holds; gives the slot up on failure.
    private func openInHeldSlot() async throws -> Connection {
        do {
            return try await factory()
        } catch {
            connectErrors.increment()
            releaseSlot()
            throw error
        }
    }

    private func grant() async throws -> Grant {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                let immediate: Swift.Result<Grant, any Error>? = state.withLock { state in
                    if state.isClosed { return .failure(ConnectionPoolError(code: .closed, pool: name)) }
                    if Task.isCancelled { return .failure(ConnectionPoolError(code: .cancelled, pool: name)) }
                    if let connection = state.idle.popLast() { return .success(.reuse(connection)) }
                    if state.openCount < maxConnections {
                        state.openCount += 1
                        return .success(.open)
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: ConnectionPoolError(code: .cancelled, pool: name))
        }
    }

    // MARK: - Returning

    private func giveBack(_ connection: Connection) async {
        guard await connection.isUsable else {
            brokenConnections.increment()
            await connection.close()
            releaseSlot()
            return
        }
        let next: ReturnPath = state.withLock { state in
            if state.isClosed {
                state.openCount -= 1
                return .close
            }
            if let waiter = state.waiters.popFirst() { return .handTo(waiter) }
            state.idle.append(connection)
            return .keptIdle
        }
        switch next {
        case .handTo(let waiter): waiter.continuation.resume(returning: .reuse(connection))
        case .keptIdle: break
        case .close: await connection.close()
        }
    }

    /// A slot was freed (connection closed or never opened): let the next waiter open one.
    private func releaseSlot() {
        let waiter = state.withLock { state -> Waiter? in
            if let waiter = state.waiters.popFirst() { return waiter }
            state.openCount -= 1
            return nil
        }
        waiter?.continuation.resume(returning: .open)
    }
}
