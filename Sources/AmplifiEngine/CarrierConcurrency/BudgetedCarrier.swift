public import AmplifiCarriers
public import AmplifiMessaging
public import Foundation

/// A `Carrier` whose every request runs under a permit of a process-wide ``CarrierPermitPool``:
/// the process never has more than the pool's `maxInFlight` requests in flight — however many
/// sender loops call `send` at once — nor, with a fleet budget, more than its lease of the
/// account's budget. Wraps any carrier (`TwilioCarrier` in `amplifi worker`).
///
/// A message whose permit does not come within `permitWait` of the `send` call or by its
/// `leaveBy` (or whose wait is cancelled, or the pool closed) is never handed to the wrapped
/// carrier and is answered `.failed(.concurrencyBudgetTimeout)`: nothing was sent, so the send
/// path puts the row back with its attempt given back and the sender number backs off — a claim
/// is never held for long waiting on the budget, and messages held up behind a shrunken budget
/// never leave together long after their slots.
/// A 429 from the carrier is passed through unchanged (retryable as before) and reported to the
/// pool, which halves the account's effective budget (AIMD; see
/// ``CarrierConcurrencyBudget/cut(confirmed:)`` for a 429 that is not the concurrency limit).
///
/// Status requests (fetch, list, lookup) count against the same permits; when none comes in time
/// they throw that same retryable `CarrierError`.
public final class BudgetedCarrier: Carrier {
    /// The wrapped carrier.
    public let inner: any Carrier
    /// The process-wide permits.
    public let pool: CarrierPermitPool
    /// The longest a `send` call waits for permits before answering the rest as not sent.
    public let permitWait: Duration

    /// Wraps `inner`: its requests run under `pool`'s permits, waiting at most `permitWait` for them.
    public init(_ inner: any Carrier, pool: CarrierPermitPool, permitWait: Duration) {
        self.inner = inner
        self.pool = pool
        self.permitWait = max(.zero, permitWait)
    }

    /// Sends each message of `batch` as soon as a permit is free (in the batch's order), at most
    /// until `permitWait` from now or the message's `leaveBy`, whichever comes first; the messages
    /// still without one are answered `concurrency_budget_timeout` (never sent). Results are in the
    /// batch's order.
    public func send(_ batch: [OutboundMessage]) async -> [SendResult] {
        guard !batch.isEmpty else { return [] }
        let waitLimit = ContinuousClock.now + permitWait
        var results = [SendResult?](repeating: nil, count: batch.count)
        await withTaskGroup(of: (Int, SendResult).self) { group in
            var next = 0
            while next < batch.count {
                let deadline = min(waitLimit, batch[next].leaveBy ?? waitLimit)
                guard let granted = try? await pool.acquire(upTo: batch.count - next, until: deadline) else { break }
                for index in next..<(next + granted) {
                    group.addTask { [inner, pool] in
                        // No answer from a carrier that broke its contract: the message may exist, so
                        // it is settled by listing, never resent blindly.
                        let result = await inner.send([batch[index]]).first ?? .failed(.invalidResponse())
                        pool.release()
                        return (index, result)
                    }
                }
                next += granted
            }
            for await (index, result) in group { results[index] = result }
        }
        let refusals = results.compactMap { $0?.error }.filter(\.isTooManyRequests)
        if !refusals.isEmpty {
            await pool.reportOverload(confirmed: refusals.contains(where: \.isConcurrencyLimit))
        }
        return results.map { $0 ?? .failed(.concurrencyBudgetTimeout) }
    }

    /// `inner.fetch` under one permit.
    public func fetch(providerMessageID: String) async throws -> CarrierStatusReport? {
        try await withPermit { try await inner.fetch(providerMessageID: providerMessageID) }
    }

    /// `inner.listMessages` under one permit (its pages are requested one after another).
    public func listMessages(to: PhoneNumber, sentOnOrAfter since: Date) async throws -> [CarrierMessage] {
        try await withPermit { try await inner.listMessages(to: to, sentOnOrAfter: since) }
    }

    /// `inner.lookupLineType` under one permit.
    public func lookupLineType(_ phone: PhoneNumber) async throws -> LineType? {
        try await withPermit { try await inner.lookupLineType(phone) }
    }

    /// Closes the pool (releasing the lease), then shuts the wrapped carrier down.
    public func shutdown() async throws {
        await pool.close()
        try await inner.shutdown()
    }

    /// Runs `body` under one permit; throws `concurrency_budget_timeout` when none comes in time
    /// (`CancellationError` when the wait was cancelled, as the wrapped carrier's request would).
    private func withPermit<T>(_ body: () async throws -> T) async throws -> T {
        do {
            _ = try await pool.acquire(upTo: 1, until: .now + permitWait)
        } catch {
            if error == .permitCancelled { throw CancellationError() }
            throw CarrierError.concurrencyBudgetTimeout
        }
        let result: Result<T, any Error>
        do {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        pool.release()
        if case .failure(let error as CarrierError) = result, error.isTooManyRequests {
            await pool.reportOverload(confirmed: error.isConcurrencyLimit)
        }
        return try result.get()
    }
}
