import AmplifiCarrierSimulator
import AmplifiCarriers
import AmplifiEngine
import AmplifiMessaging
import AmplifiRedis
import Foundation
import Logging
import Testing

/// `BudgetedCarrier`: a process-wide in-flight limit across concurrent `send` calls, the fleet budget
/// against a Twilio-compatible server that enforces the same limit (zero 429s), bounded waits that
/// send nothing, and 429s that halve the budget once.
@Suite("BudgetedCarrier")
struct BudgetedCarrierTests {
    typealias S = CarrierBudgetTestSupport

    @Test func theProcessLimitHoldsAcrossConcurrentSendCalls() async throws {
        let inner = GaugedCarrier(latency: .milliseconds(5))
        let pool = CarrierPermitPool(maxInFlight: 5, budget: nil, holder: "local", logger: S.logger)
        let carrier = BudgetedCarrier(inner, pool: pool, permitWait: .seconds(60))
        // Six sender loops sending batches at once.
        let results = await withTaskGroup(of: [SendResult].self) { group in
            for loop in 0..<6 {
                group.addTask { await carrier.send(S.messages(20, from: loop * 20)) }
            }
            return await group.reduce(into: [SendResult]()) { $0 += $1 }
        }
        #expect(results.count == 120)
        #expect(results.allSatisfy { $0.providerMessageID != nil })
        #expect(inner.sent == 120)
        #expect(inner.peak == 5)
        #expect(pool.snapshot.peakInUse == 5)
        #expect(pool.snapshot.inUse == 0)
        try await carrier.shutdown()
    }

    @Test func theProcessLimitAlsoHoldsUnderALargerFleetBudget() async throws {
        let processes = try await S.budgets(1, keys: S.freshKeys(), settings: S.settings(capacity: 100))
        let inner = GaugedCarrier(latency: .milliseconds(5))
        let pool = CarrierPermitPool(maxInFlight: 4, budget: processes[0].budget, holder: "w", logger: S.logger)
        let carrier = BudgetedCarrier(inner, pool: pool, permitWait: .seconds(60))
        let results = await withTaskGroup(of: [SendResult].self) { group in
            for loop in 0..<3 {
                group.addTask { await carrier.send(S.messages(16, from: loop * 16)) }
            }
            return await group.reduce(into: [SendResult]()) { $0 += $1 }
        }
        #expect(results.allSatisfy { $0.providerMessageID != nil })
        #expect(inner.peak <= 4)
        try await carrier.shutdown()
        #expect(try await processes[0].budget.inspect().totalHeld == 0)
        await processes[0].client.close()
    }

    @Test func aMessageThatCannotLeaveByItsDeadlineIsNeverSent() async throws {
        let inner = GaugedCarrier(latency: .milliseconds(400))
        let pool = CarrierPermitPool(maxInFlight: 1, budget: nil, holder: "local", logger: S.logger)
        let carrier = BudgetedCarrier(inner, pool: pool, permitWait: .seconds(30))
        // The first message holds the only permit for 400 ms; the second must leave within 100 ms of
        // the call (its slot plus the late tolerance), however patient the process-wide wait is.
        var batch = S.messages(2)
        batch[1].leaveBy = .now + .milliseconds(100)
        let started = ContinuousClock.now
        let results = await carrier.send(batch)
        #expect(results[0].providerMessageID != nil)
        #expect(results[1].error == .concurrencyBudgetTimeout)
        #expect(inner.sent == 1)
        #expect(ContinuousClock.now - started < .seconds(20))
        try await carrier.shutdown()
    }

    @Test func messagesWithoutAPermitInTimeAreAnsweredRetryableAndNeverSent() async throws {
        let inner = GaugedCarrier(latency: .milliseconds(600))
        let pool = CarrierPermitPool(maxInFlight: 1, budget: nil, holder: "local", logger: S.logger)
        let carrier = BudgetedCarrier(inner, pool: pool, permitWait: .milliseconds(150))
        // The first message holds the only permit for 600 ms; the others wait 150 ms at most.
        let results = await carrier.send(S.messages(3))
        #expect(results[0].providerMessageID != nil)
        for result in results.dropFirst() {
            #expect(result.error == .concurrencyBudgetTimeout)
            #expect(result.error?.errorClass == .retryableRequest)
            #expect(result.error?.isAmbiguous == false)
        }
        // Only the first message reached the carrier.
        #expect(inner.sent == 1)
        // A cancelled wait sends nothing either (a patient sender: only the cancellation ends its wait).
        let held = try await pool.acquire(upTo: 1, until: .now + .seconds(60))
        let patient = BudgetedCarrier(inner, pool: pool, permitWait: .seconds(60))
        let cancelled = Task { await patient.send(S.messages(2, from: 20)) }
        let giveUp = ContinuousClock.now + .seconds(30)
        while pool.snapshot.waiting == 0, ContinuousClock.now < giveUp { try await Task.sleep(for: .milliseconds(5)) }
        cancelled.cancel()
        #expect(await cancelled.value.allSatisfy { $0.error == .concurrencyBudgetTimeout })
        pool.release(held)
        #expect(inner.sent == 1)
        try await carrier.shutdown()
    }

    /// Two workers of one account whose carrier refuses every request with `refusal`, each sending
    /// `messages` at once; the results and the account's budget afterwards.
    private static func sendRefused(
        _ refusal: CarrierError, messages: Int, capacity: Int
    ) async throws -> (results: [SendResult], budget: Int) {
        // Renewals far apart: the leases still hold what the sends used when the 429s are reported.
        let processes = try await S.budgets(
            2, keys: S.freshKeys(), settings: S.settings(capacity: capacity, renewInterval: .seconds(30)))
        let carriers = processes.enumerated().map { index, process in
            BudgetedCarrier(
                GaugedCarrier(latency: .milliseconds(5), refusal: refusal),
                pool: CarrierPermitPool(maxInFlight: 8, budget: process.budget, holder: "w\(index)", logger: S.logger),
                permitWait: .seconds(60))
        }
        let results = await withTaskGroup(of: [SendResult].self) { group in
            for (index, carrier) in carriers.enumerated() {
                group.addTask { await carrier.send(S.messages(messages, from: index * messages)) }
            }
            return await group.reduce(into: [SendResult]()) { $0 += $1 }
        }
        let budget = try await processes[0].budget.inspect().budget
        for carrier in carriers { try await carrier.shutdown() }
        for process in processes { await process.client.close() }
        return (results, budget)
    }

    @Test func theConcurrencyLimitsBurstOf429sHalvesTheFleetBudgetOnceAndStaysRetryable() async throws {
        let (results, budget) = try await Self.sendRefused(
            CarrierError(twilioCode: 20429, httpStatus: 429, concurrentRequests: 16), messages: 6, capacity: 16)
        #expect(results.count == 12)
        for result in results {
            #expect(result.error?.code == "20429")
            #expect(result.error?.errorClass == .retryableRequest)
        }
        #expect(budget == 8)
    }

    @Test func anOther429HalvesTheBudgetOnlyWhenTheFleetUsesMuchOfIt() async throws {
        // Two requests of a 100-request budget: a throttle elsewhere, not our concurrency.
        let light = try await Self.sendRefused(
            CarrierError(twilioCode: 20429, httpStatus: 429), messages: 1, capacity: 100)
        #expect(light.results.allSatisfy { $0.error?.errorClass == .retryableRequest })
        #expect(light.budget == 100)
        // Sixteen of a 16-request budget: it is.
        let heavy = try await Self.sendRefused(CarrierError.http(status: 429), messages: 8, capacity: 16)
        #expect(heavy.budget == 8)
    }

    @Test func threeWorkersStayWithinTheAccountLimitOfATwilioCompatibleServer() async throws {
        let limit = 6
        let simulator = CarrierSimulatorServer(
            configuration: CarrierSimulatorConfiguration(
                carrier: SimulatedCarrierConfiguration(latency: .range(.milliseconds(20) ... .milliseconds(60))),
                callbacksEnabled: false, accountConcurrency: limit),
            logger: Logger(label: "test.carrier-sim", factory: { _ in SwiftLogNoOpLogHandler() }))
        let running = Task { try await simulator.run() }
        defer { running.cancel() }
        let port = try await simulator.boundPort()
        let keys = S.freshKeys()
        // Three workers, each allowed more in flight (4) than its share; together 12 > 6.
        let processes = try await S.budgets(
            3, keys: keys, account: simulator.configuration.accountSID, settings: S.settings(capacity: limit))
        let workers = processes.enumerated().map { index, process in
            BudgetedCarrier(
                TwilioCarrier(
                    configuration: TwilioCarrierConfiguration(
                        accountSID: simulator.configuration.accountSID,
                        credentials: .authToken(simulator.configuration.authToken), baseURL: "http://127.0.0.1:\(port)",
                        maxConcurrentRequests: 4, requestTimeout: .seconds(60)),
                    logger: S.logger),
                pool: CarrierPermitPool(
                    maxInFlight: 4, budget: process.budget, holder: "worker-\(index)", logger: S.logger),
                permitWait: .seconds(60))
        }
        // Each worker runs two sender loops, two batches of 15 each.
        let results = await withTaskGroup(of: [SendResult].self) { tasks in
            for (index, worker) in workers.enumerated() {
                for loop in 0..<2 {
                    tasks.addTask {
                        var results: [SendResult] = []
                        for round in 0..<2 {
                            results += await worker.send(S.messages(15, from: ((index * 2 + loop) * 2 + round) * 15))
                        }
                        return results
                    }
                }
            }
            return await tasks.reduce(into: [SendResult]()) { $0 += $1 }
        }
        #expect(results.count == 180)
        #expect(results.allSatisfy { $0.providerMessageID != nil }, "\(results.compactMap(\.error).prefix(3))")
        let stats = simulator.stats()
        #expect(stats.concurrencyRejections == 0)
        #expect(stats.refused == 0)
        #expect(stats.created == 180)
        #expect(stats.peakConcurrentCreates <= limit)
        #expect(stats.peakConcurrentCreates >= 2)
        for worker in workers {
            #expect(worker.pool.snapshot.peakInUse <= 4)
            try await worker.shutdown()
        }
        #expect(try await processes[0].budget.inspect().totalHeld == 0)
        for process in processes { await process.client.close() }
        running.cancel()
        _ = try? await running.value
    }
}
