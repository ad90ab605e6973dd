public import Logging
import Synchronization

/// The process-wide pool of permits to send requests to one carrier account: every sender loop
/// (every `send` call) of the process takes its permits here, one per request in flight.
///
/// At most `maxInFlight` permits are out at once in the process. With a fleet `budget`, the pool
/// also never hands out more than its lease from Redis grants: a background loop asks for what the
/// process needs, in blocks (``CarrierBudgetSettings/block``), when a request finds no free permit,
/// renews the lease every ``CarrierBudgetSettings/renewInterval`` and gives back what is no longer
/// needed — a Redis call per block or renewal, never per message. A lease not renewed within its
/// TTL (Redis unreachable) is treated as gone: no new permit is handed out under it.
///
/// Waiters are served first come, first served; a wait is bounded (the caller's deadline) and
/// cancellable. Call ``close()`` once when done: it stops the loop and releases the lease.
public final class CarrierPermitPool: Sendable {
    /// The most permits out at once in this process.
    public let maxInFlight: Int
    /// The fleet-wide budget, or nil for a process-local limit only.
    public let budget: CarrierConcurrencyBudget?
    /// This process's name in the budget's leases (unique per process: a worker id).
    public let holder: String
    private let logger: Logger
    private let state: Mutex<State>
    private let bell = Doorbell()
    private let loop = Mutex<Task<Void, Never>?>(nil)

    /// How a wait ended.
    private enum Outcome: Sendable {
        case granted(Int)
        case timedOut
        case cancelled
        case closed
    }

    /// A request waiting for permits.
    private struct Waiter {
        let id: UInt64
        let want: Int
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Outcome, Never>
        var timer: Task<Void, Never>?
    }

    /// A wait to resume, outside the lock.
    private typealias Wakeup = (
        continuation: CheckedContinuation<Outcome, Never>, outcome: Outcome, timer: Task<Void, Never>?
    )

    /// Everything behind the lock.
    private struct State {
        /// Permits this process may have out: its lease's grant, or `maxInFlight` without a budget.
        var capacity: Int
        /// When the lease stops being trusted (nil: never, no budget).
        var validUntil: ContinuousClock.Instant?
        var inUse = 0
        var peakInUse = 0
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
        var closed = false
        /// The account's effective budget at the last lease call.
        var budget: Int?
        /// When this process last asked Redis to halve the budget, for a confirmed 429 (`true`) and
        /// an unconfirmed one.
        var lastCut: [Bool: ContinuousClock.Instant] = [:]

        /// The grant at `now`: 0 once the lease is no longer trusted.
        func validCapacity(at now: ContinuousClock.Instant) -> Int {
            validUntil.map { now < $0 } ?? true ? capacity : 0
        }

        /// Permits free to hand out at `now`.
        func free(at now: ContinuousClock.Instant) -> Int {
            max(0, validCapacity(at: now) - inUse)
        }

        /// Permits in use plus permits waited for.
        var demand: Int { waiters.reduce(inUse) { $0 + $1.want } }

        /// Takes `count` permits.
        mutating func take(_ count: Int) {
            inUse += count
            peakInUse = max(peakInUse, inUse)
        }

        /// Takes up to `want` free permits when nobody waits before the caller; nil when it must wait.
        mutating func takeAtOnce(_ want: Int, at now: ContinuousClock.Instant) -> Int? {
            let free = free(at: now)
            guard waiters.isEmpty, free > 0 else { return nil }
            let granted = min(want, free)
            take(granted)
            return granted
        }

        /// Serves waiters in arrival order while permits are free (a waiter takes what is free, up
        /// to what it asked for; one past its deadline times out, even if its timer is late);
        /// returns the waits to resume.
        mutating func dispatch() -> [Wakeup] {
            var wakeups: [Wakeup] = []
            let now = ContinuousClock.now
            while let first = waiters.first {
                let free = free(at: now)
                guard free > 0 else { break }
                waiters.removeFirst()
                guard first.deadline > now else {
                    wakeups.append((first.continuation, .timedOut, first.timer))
                    continue
                }
                let count = min(first.want, free)
                take(count)
                wakeups.append((first.continuation, .granted(count), first.timer))
            }
            return wakeups
        }

        /// Removes waiter `id`, if it still waits, to resume it with `outcome`.
        mutating func remove(_ id: UInt64, _ outcome: Outcome) -> Wakeup? {
            guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
            let waiter = waiters.remove(at: index)
            return (waiter.continuation, outcome, waiter.timer)
        }
    }

    /// A pool of at most `maxInFlight` permits (at least 1); with `budget`, also within the lease
    /// `holder` gets from the fleet's budget (the lease loop starts now).
    public init(maxInFlight: Int, budget: CarrierConcurrencyBudget?, holder: String, logger: Logger) {
        self.maxInFlight = max(1, maxInFlight)
        self.budget = budget
        self.holder = holder
        self.logger = logger
        self.state = Mutex(State(capacity: budget == nil ? max(1, maxInFlight) : 0))
        if let budget {
            loop.withLock { $0 = Task { await self.leaseLoop(budget) } }
        }
    }

    /// Takes between 1 and `count` permits — what is free, up to `count` — waiting until
    /// `deadline` when none is. Release each with ``release(_:)`` when its request ended.
    /// Throws ``CarrierBudgetError`` `permitTimeout` past the deadline, `permitCancelled` when the
    /// task is cancelled, `closed` after ``close()``.
    public func acquire(upTo count: Int, until deadline: ContinuousClock.Instant) async throws(CarrierBudgetError)
        -> Int
    {
        let wanted = max(1, count)
        let now = ContinuousClock.now
        let fast: Result<Int, CarrierBudgetError>? = state.withLock { state in
            if state.closed { return .failure(.closed) }
            if let granted = state.takeAtOnce(wanted, at: now) { return .success(granted) }
            return deadline <= now ? .failure(.permitTimeout) : nil
        }
        if let fast { return try fast.get() }
        let id = state.withLock { state in
            state.nextID &+= 1
            return state.nextID
        }
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                enqueue(id: id, want: wanted, deadline: deadline, continuation)
            }
        } onCancel: {
            finish(id, .cancelled)
        }
        switch outcome {
        case .granted(let granted): return granted
        case .timedOut: throw .permitTimeout
        case .cancelled: throw .permitCancelled
        case .closed: throw .closed
        }
    }

    /// Queues waiter `id` (or answers it at once: permits freed meanwhile, cancelled, closed), arms
    /// its deadline and asks the lease loop for more permits.
    private func enqueue(
        id: UInt64, want: Int, deadline: ContinuousClock.Instant, _ continuation: CheckedContinuation<Outcome, Never>
    ) {
        let immediate: Outcome? = state.withLock { state in
            if state.closed { return .closed }
            // Checked under the lock: a cancellation handler that ran before the waiter was queued
            // found nothing to cancel.
            if Task.isCancelled { return .cancelled }
            if let granted = state.takeAtOnce(want, at: .now) { return .granted(granted) }
            state.waiters.append(Waiter(id: id, want: want, deadline: deadline, continuation: continuation, timer: nil))
            return nil
        }
        if let immediate {
            continuation.resume(returning: immediate)
            return
        }
        bell.ring()
        let timer = Task { [weak self] in
            do {
                try await Task.sleep(until: deadline, clock: .continuous)
                self?.finish(id, .timedOut)
            } catch {}
        }
        let armed = state.withLock { state -> Bool in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return false }
            state.waiters[index].timer = timer
            return true
        }
        if !armed { timer.cancel() }
    }

    /// Ends waiter `id`'s wait with `outcome`, if it still waits.
    private func finish(_ id: UInt64, _ outcome: Outcome) {
        guard let wakeup = state.withLock({ $0.remove(id, outcome) }) else { return }
        Self.resume([wakeup])
    }

    /// Resumes `wakeups` (outside the lock) and stops their deadline timers.
    private static func resume(_ wakeups: [Wakeup]) {
        for wakeup in wakeups {
            wakeup.timer?.cancel()
            wakeup.continuation.resume(returning: wakeup.outcome)
        }
    }

    /// Gives back `count` permits taken with ``acquire(upTo:until:)`` (their requests ended).
    public func release(_ count: Int = 1) {
        let wakeups = state.withLock { state in
            state.inUse = max(0, state.inUse - count)
            return state.dispatch()
        }
        Self.resume(wakeups)
    }

    /// The carrier answered 429 (`confirmed`: with `Twilio-Concurrent-Requests`, the account's
    /// concurrency limit): asks Redis to halve the account's effective budget
    /// (``CarrierConcurrencyBudget/cut(confirmed:)``; at most one call per cut window and kind from
    /// this process, one halving per window fleet-wide), then renews the lease at once so this
    /// process shrinks to its new share. Nothing without a budget.
    public func reportOverload(confirmed: Bool) async {
        guard let budget else { return }
        let now = ContinuousClock.now
        let due = state.withLock { state -> Bool in
            if let last = state.lastCut[confirmed], now - last < budget.settings.cutWindow { return false }
            state.lastCut[confirmed] = now
            return true
        }
        guard due else { return }
        do {
            let cut = try await budget.cut(confirmed: confirmed)
            state.withLock { $0.budget = cut.budget }
            if cut.halved {
                logger.warning(
                    "carrier answered 429: account concurrency budget halved",
                    metadata: ["account_budget": "\(cut.budget)", "holder": "\(holder)"])
            }
        } catch {
            logger.warning("could not lower the carrier concurrency budget", metadata: ["error": "\(error)"])
        }
        bell.ring()
    }

    /// What the pool holds now.
    public var snapshot: CarrierPermitPoolSnapshot {
        state.withLock { state in
            CarrierPermitPoolSnapshot(
                inUse: state.inUse, peakInUse: state.peakInUse, capacity: state.validCapacity(at: .now),
                waiting: state.waiters.count, budget: state.budget)
        }
    }

    /// Stops handing out permits (waiters get `closed`), stops the lease loop and releases the lease.
    public func close() async {
        let wakeups = state.withLock { state -> [Wakeup] in
            state.closed = true
            defer { state.waiters = [] }
            return state.waiters.map { ($0.continuation, .closed, $0.timer) }
        }
        Self.resume(wakeups)
        bell.ring()
        await loop.withLock { $0 }?.value
    }

    // MARK: Lease loop

    /// Keeps the lease at what the process needs — rounded up to a block, at most `maxInFlight`,
    /// nothing when idle — asking again at once when a request waits, every `retryInterval` while
    /// requests still wait, else every `renewInterval`; releases the lease once closed. An idle
    /// process whose lease Redis already dropped makes no calls.
    private func leaseLoop(_ budget: CarrierConcurrencyBudget) async {
        let settings = budget.settings
        var lastWarning: ContinuousClock.Instant?
        var released = false
        while true {
            // Until the answer is applied the process may still hand out its current grant, so that
            // is what Redis must go on counting (a shrink is counted from the next call on); once
            // closed it hands out nothing more.
            let (want, mayBeInUse, closed) = state.withLock { state in
                let demand = state.demand
                let rounded = (demand + settings.block - 1) / settings.block * settings.block
                if state.closed { return (0, state.inUse, true) }
                return (min(maxInFlight, rounded), max(state.inUse, state.validCapacity(at: .now)), false)
            }
            let idle = want == 0 && mayBeInUse == 0
            if !(idle && released) {
                do {
                    try await renew(budget, want: want, inUse: mayBeInUse)
                    released = idle
                } catch {
                    if lastWarning.map({ ContinuousClock.now - $0 >= .seconds(10) }) ?? true {
                        lastWarning = .now
                        logger.warning(
                            "carrier concurrency lease failed; permits already leased are used until the lease expires",
                            metadata: ["error": "\(error)", "holder": "\(holder)"])
                    }
                }
            }
            if closed { return }
            let waiting = state.withLock { !$0.waiters.isEmpty }
            await bell.wait(timeout: waiting ? settings.retryInterval : settings.renewInterval)
        }
    }

    /// One lease call; its grant becomes the pool's capacity (trusted for the lease TTL from the
    /// call's start) and waiters are served from it.
    private func renew(_ budget: CarrierConcurrencyBudget, want: Int, inUse: Int) async throws {
        let started = ContinuousClock.now
        let grant = try await budget.lease(holder: holder, want: want, inUse: inUse)
        let wakeups = state.withLock { state in
            state.capacity = min(grant.granted, maxInFlight)
            state.validUntil = started + budget.settings.leaseTTL
            state.budget = grant.budget
            return state.dispatch()
        }
        Self.resume(wakeups)
    }
}

/// A read of a ``CarrierPermitPool``.
public struct CarrierPermitPoolSnapshot: Hashable, Sendable {
    /// Permits out now (requests in flight).
    public let inUse: Int
    /// The most permits that were out at once.
    public let peakInUse: Int
    /// Permits the process may have out now (its lease's grant, or `maxInFlight` without a budget).
    public let capacity: Int
    /// Requests waiting for a permit.
    public let waiting: Int
    /// The account's effective budget at the last lease call (nil before one, or without a budget).
    public let budget: Int?
}

/// Wakes the lease loop early: a `ring` before or during a `wait` ends that wait (a ring while
/// nobody waits ends the next wait at once).
private final class Doorbell: Sendable {
    private let state = Mutex<(rung: Bool, sleeper: CheckedContinuation<Void, Never>?)>((false, nil))

    /// Wakes the waiter, or the next one.
    func ring() {
        let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let sleeper = state.sleeper else {
                state.rung = true
                return nil
            }
            state.sleeper = nil
            return sleeper
        }
        sleeper?.resume()
    }

    /// Returns at the next ring, or after `timeout`.
    func wait(timeout: Duration) async {
        let timer = Task { [weak self] in
            do {
                try await Task.sleep(for: timeout)
                self?.ring()
            } catch {}
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.rung {
                    state.rung = false
                    return true
                }
                state.sleeper = continuation
                return false
            }
            if now { continuation.resume() }
        }
        timer.cancel()
    }
}
