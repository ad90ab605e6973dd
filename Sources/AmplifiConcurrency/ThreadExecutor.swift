import DequeModule
import Foundation

/// A serial executor that owns one dedicated OS thread, so actors wrapping blocking
/// C connections (libpq, hiredis) run their calls off Swift's cooperative pool.
///
/// This is GRDB's `DispatchQueueActor` pattern with a plain thread instead of a
/// dispatch queue: on Linux, serial dispatch queues share a root pool that is only
/// as wide as the machine has cores, so a handful of connections blocked in
/// `PQgetResult` (waiting on a lock held by another connection) would starve the
/// very connection that could release it. One thread per connection cannot.
public final class ThreadExecutor: SerialExecutor, Sendable {
    private let jobs: JobQueue

    /// Starts the executor's thread; `label` names it in debuggers and crash logs.
    public init(label: String) {
        let jobs = JobQueue()
        self.jobs = jobs
        let thread = Thread { jobs.runLoop() }
        thread.name = label
        thread.stackSize = 1 << 20
        thread.start()
    }

    deinit {
        jobs.stop()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        jobs.append(UnownedJob(job), executor: asUnownedSerialExecutor())
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func checkIsolated() {
        precondition(jobs.isCurrentThread, "not running on this executor's thread")
    }
}

/// The jobs waiting for a ``ThreadExecutor``'s thread, and that thread's loop.
private final class JobQueue: @unchecked Sendable {
    // Safety: every field is read and written with `condition` locked.
    private let condition = NSCondition()
    private var pending = Deque<(UnownedJob, UnownedSerialExecutor)>()
    private var isStopped = false
    private var thread: pthread_t?

    var isCurrentThread: Bool {
        condition.lock()
        defer { condition.unlock() }
        return thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
    }

    func append(_ job: UnownedJob, executor: UnownedSerialExecutor) {
        condition.lock()
        pending.append((job, executor))
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        isStopped = true
        condition.signal()
        condition.unlock()
    }

    func runLoop() {
        condition.lock()
        thread = pthread_self()
        condition.unlock()
        while true {
            condition.lock()
            while pending.isEmpty && !isStopped { condition.wait() }
            guard let (job, executor) = pending.popFirst() else {
                condition.unlock()
                return
            }
            condition.unlock()
            job.runSynchronously(on: executor)
        }
    }
}
