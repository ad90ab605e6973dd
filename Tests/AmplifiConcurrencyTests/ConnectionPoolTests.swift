import AmplifiConcurrency
import Synchronization
import Testing

/// A stand-in connection whose health the test controls.
final class FakeConnection: PoolableConnection {
    let id: Int
    let broken = Atomic<Bool>(false)
    let idleHealthy = Atomic<Bool>(true)
    let closed = Atomic<Bool>(false)
    init(id: Int) { self.id = id }
    var isUsable: Bool { !broken.load(ordering: .relaxed) }
    func checkIdleHealth() async -> Bool { idleHealthy.load(ordering: .relaxed) }
    func close() async { closed.store(true, ordering: .relaxed) }
}

/// Tracks how many connections are leased at once.
final class Usage: Sendable {
    let state = Mutex((inUse: 0, peak: 0))
}

/// Counts connections the factory opened.
final class Factory: Sendable {
    let opened = Atomic<Int>(0)
    let failNext = Atomic<Bool>(false)
    struct OpenFailed: Error {}
    func make() throws -> FakeConnection {
        if failNext.exchange(false, ordering: .relaxed) { throw OpenFailed() }
        return FakeConnection(id: opened.add(1, ordering: .relaxed).newValue)
    }
}

@Suite("ConnectionPool")
struct ConnectionPoolTests {
    @Test func reusesIdleConnectionsAndStaysWithinItsLimit() async throws {
        let factory = Factory()
        let pool = ConnectionPool(name: "fake", maxConnections: 2) { try factory.make() }
        let usage = Usage()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await pool.withConnection { _ in
                        usage.state.withLock { usage in
                            usage.inUse += 1
                            usage.peak = max(usage.peak, usage.inUse)
                        }
                        try await Task.sleep(for: .milliseconds(1))
                        usage.state.withLock { $0.inUse -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(usage.state.withLock { $0.peak } <= 2)
        #expect(factory.opened.load(ordering: .relaxed) == 2)
    }

    @Test func brokenConnectionIsClosedAndReplaced() async throws {
        let factory = Factory()
        let pool = ConnectionPool(name: "fake", maxConnections: 1) { try factory.make() }
        let first = try await pool.withConnection { connection in
            connection.broken.store(true, ordering: .relaxed)
            return connection
        }
        let firstClosed = first.closed.load(ordering: .relaxed)
        #expect(firstClosed)
        let second = try await pool.withConnection { $0 }
        #expect(second !== first)
        #expect(pool.openConnections == 1)
    }

    @Test func idleConnectionThatFailsItsHealthCheckIsReplaced() async throws {
        let factory = Factory()
        let pool = ConnectionPool(name: "fake", maxConnections: 1) { try factory.make() }
        let first = try await pool.withConnection { $0 }
        first.idleHealthy.store(false, ordering: .relaxed)
        let second = try await pool.withConnection { $0 }
        #expect(second !== first)
        let firstClosed = first.closed.load(ordering: .relaxed)
        #expect(firstClosed)
    }

    @Test func failedOpenFreesTheSlotForTheNextCaller() async throws {
        let factory = Factory()
        factory.failNext.store(true, ordering: .relaxed)
        let pool = ConnectionPool(name: "fake", maxConnections: 1) { try factory.make() }
        await #expect(throws: Factory.OpenFailed.self) { try await pool.withConnection { _ in } }
        #expect(pool.openConnections == 0)
        try await pool.withConnection { _ in }
        #expect(pool.openConnections == 1)
    }

    @Test func cancelledWaiterLeavesTheLine() async throws {
        let factory = Factory()
        let pool = ConnectionPool(name: "fake", maxConnections: 1) { try factory.make() }
        // The holder keeps the only connection until released, so the waiter can only wait
        // (or find itself cancelled): no timing involved.
        let (leased, leasedSignal) = AsyncStream<Void>.makeStream()
        let (release, releaseSignal) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await pool.withConnection { _ in
                leasedSignal.yield()
                for await _ in release { break }
            }
        }
        for await _ in leased { break }
        let waiter = Task { try await pool.withConnection { _ in } }
        try await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        let result = await waiter.result
        let error = #expect(throws: ConnectionPoolError.self) { try result.get() }
        #expect(error?.code == .cancelled)
        releaseSignal.yield()
        try await holder.value
        try await pool.withConnection { _ in }
    }

    @Test func closedPoolRefusesWork() async throws {
        let pool = ConnectionPool(name: "fake", maxConnections: 1) { try Factory().make() }
        await pool.close()
        let error = await #expect(throws: ConnectionPoolError.self) { try await pool.withConnection { _ in } }
        #expect(error?.code == .closed)
        #expect(error?.description.contains("shut down") == true)
    }
}

@Suite("ThreadExecutor")
struct ThreadExecutorTests {
    actor OnQueue {
        nonisolated let executor = ThreadExecutor(label: "test.queue")
        nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
        func check() -> Bool {
            executor.checkIsolated()
            return true
        }
    }

    @Test func actorMethodsRunOnTheDedicatedQueue() async {
        #expect(await OnQueue().check())
    }
}
