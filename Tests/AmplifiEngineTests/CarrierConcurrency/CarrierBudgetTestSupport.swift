import AmplifiCarriers
import AmplifiEngine
import AmplifiMessaging
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Logging
import Synchronization

/// Helpers for the carrier concurrency tests: budgets on the shared test Redis (each "process" with
/// a Redis client of its own), pools, messages, and a carrier that measures its own concurrency.
enum CarrierBudgetTestSupport {
    static let logger: Logger = {
        var logger = Logger(label: "amplifi.test.carrier-budget")
        logger.logLevel = .error
        return logger
    }()

    /// A Redis client of its own on the shared test server (one per simulated process).
    static func client() async throws -> RedisClient {
        try RedisClient(url: try await TestRedis.shared.url(), maxConnections: 2)
    }

    /// Key names no other test uses.
    static func freshKeys() -> QueueKeys { QueueKeys(prefix: TestRedis.shared.keyPrefix()) }

    /// Settings for tests: quick renewals and small blocks; leases, cut and growth windows long
    /// enough (a minute) that nothing expires, halves twice or grows during a test on a loaded
    /// machine unless the test asks for it.
    static func settings(
        capacity: Int, leaseTTL: Duration = .seconds(60), renewInterval: Duration = .milliseconds(100),
        cutWindow: Duration = .seconds(60), growthWindow: Duration = .seconds(60), block: Int = 2
    ) -> CarrierBudgetSettings {
        CarrierBudgetSettings(
            capacity: capacity, leaseTTL: leaseTTL, renewInterval: renewInterval, retryInterval: .milliseconds(10),
            cutWindow: cutWindow, growthWindow: growthWindow, block: block)
    }

    /// `count` budgets of one account on `keys`, each over a client of its own (`count` processes).
    static func budgets(
        _ count: Int, keys: QueueKeys, account: String = "ACtest", settings: CarrierBudgetSettings
    ) async throws -> [(budget: CarrierConcurrencyBudget, client: RedisClient)] {
        var made: [(CarrierConcurrencyBudget, RedisClient)] = []
        for _ in 0..<count {
            let client = try await client()
            made.append(
                (CarrierConcurrencyBudget(client: client, keys: keys, account: account, settings: settings), client))
        }
        return made
    }

    /// `count` messages to distinct recipients.
    static func messages(_ count: Int, from first: Int = 0) -> [OutboundMessage] {
        (first..<(first + count)).map { index in
            OutboundMessage(
                id: Int64(index), orgID: UUID(), from: PhoneNumber(trustedE164: "+19195550100"),
                to: PhoneNumber(trustedE164: "+1919\(String(5_000_000 + index))"), body: "Budget test \(index)")
        }
    }
}

/// Counts work in flight: now, the most at once, and how much started in all.
final class InFlightGauge: Sendable {
    private let state = Mutex((now: 0, peak: 0, started: 0))

    /// The most in flight at once so far.
    var peak: Int { state.withLock { $0.peak } }
    /// How much started so far.
    var started: Int { state.withLock { $0.started } }

    /// `count` more in flight.
    func enter(_ count: Int) {
        state.withLock { state in
            state.now += count
            state.started += count
            state.peak = max(state.peak, state.now)
        }
    }

    /// `count` fewer in flight.
    func leave(_ count: Int) {
        state.withLock { $0.now -= count }
    }
}

/// A carrier that takes `latency` per message and measures how many of its messages were in flight
/// at once; optionally refuses everything with `refusal`.
final class GaugedCarrier: Carrier {
    private let gauge = InFlightGauge()
    private let inner: SimulatedCarrier
    private let refusal: CarrierError?

    init(latency: Duration, refusal: CarrierError? = nil) {
        self.inner = SimulatedCarrier(
            configuration: SimulatedCarrierConfiguration(latency: .fixed(latency), recordsLog: false),
            logger: CarrierBudgetTestSupport.logger)
        self.refusal = refusal
    }

    /// The most messages in flight at once so far.
    var peak: Int { gauge.peak }
    /// Messages handed to this carrier so far.
    var sent: Int { gauge.started }

    func send(_ batch: [OutboundMessage]) async -> [SendResult] {
        gauge.enter(batch.count)
        let results = await inner.send(batch)
        gauge.leave(batch.count)
        if let refusal { return results.map { _ in .failed(refusal) } }
        return results
    }

    func fetch(providerMessageID: String) async throws -> CarrierStatusReport? { nil }

    func listMessages(to: PhoneNumber, sentOnOrAfter since: Date) async throws -> [CarrierMessage] { [] }

    func lookupLineType(_ phone: PhoneNumber) async throws -> LineType? { nil }
}
