import AmplifiEngine
import AmplifiRedis
import Foundation
import Testing

/// The fleet-wide budget on a real Redis: several budget instances (each with a Redis client of its
/// own, as separate worker processes have) never hold more than the budget; leases of a holder that
/// stopped renewing come back; 429s halve the budget once per burst and it grows back.
@Suite("Carrier concurrency budget on Redis")
struct CarrierConcurrencyBudgetTests {
    typealias S = CarrierBudgetTestSupport

    @Test func poolsOfSeveralProcessesNeverExceedTheBudget() async throws {
        let keys = S.freshKeys()
        let settings = S.settings(capacity: 12)
        let processes = try await S.budgets(4, keys: keys, settings: settings)
        let pools = processes.enumerated().map { index, process in
            CarrierPermitPool(maxInFlight: 10, budget: process.budget, holder: "worker-\(index)", logger: S.logger)
        }
        let inFlight = InFlightGauge()
        await withTaskGroup(of: Void.self) { group in
            for pool in pools {
                for _ in 0..<3 {
                    group.addTask {
                        for _ in 0..<20 {
                            guard let granted = try? await pool.acquire(upTo: 3, until: .now + .seconds(60)) else {
                                Issue.record("no permit within 60 s")
                                return
                            }
                            inFlight.enter(granted)
                            try? await Task.sleep(for: .milliseconds(Int.random(in: 5...15)))
                            inFlight.leave(granted)
                            pool.release(granted)
                        }
                    }
                }
            }
        }
        let peak = inFlight.peak
        #expect(peak <= 12)
        #expect(peak >= 4, "the processes shared the budget concurrently")
        #expect(try await processes[0].budget.inspect().totalHeld <= 12)
        for pool in pools {
            #expect(pool.snapshot.peakInUse <= 10)
            await pool.close()
        }
        // Closing released every lease.
        let after = try await processes[0].budget.inspect()
        #expect(after.totalHeld == 0 && after.holders == 0)
        for process in processes { await process.client.close() }
    }

    @Test func leasesAreGrantedWithinTheBudgetAndSharedFairly() async throws {
        let processes = try await S.budgets(2, keys: S.freshKeys(), settings: S.settings(capacity: 10))
        let a = processes[0].budget
        let b = processes[1].budget
        #expect(try await a.lease(holder: "a", want: 10, inUse: 0).granted == 10)
        let starved = try await b.lease(holder: "b", want: 10, inUse: 0)
        #expect(starved.granted == 0 && starved.contended && starved.totalHeld == 10)
        // A renews: brought down to its fair share now that B wants permits too.
        #expect(try await a.lease(holder: "a", want: 10, inUse: 0).granted == 5)
        #expect(try await b.lease(holder: "b", want: 10, inUse: 0).granted == 5)
        // Requests in flight stay counted: A shrinks to 2 but 4 of its requests still run.
        let shrunk = try await a.lease(holder: "a", want: 2, inUse: 4)
        #expect(shrunk.granted == 2 && shrunk.totalHeld == 9)
        #expect(try await b.lease(holder: "b", want: 10, inUse: 0).granted == 6)
        // Releasing (want 0, nothing in flight) frees everything.
        _ = try await a.lease(holder: "a", want: 0, inUse: 0)
        _ = try await b.lease(holder: "b", want: 0, inUse: 0)
        let snapshot = try await a.inspect()
        #expect(snapshot.totalHeld == 0 && snapshot.holders == 0 && snapshot.budget == 10)
        for process in processes { await process.client.close() }
    }

    @Test func expiredLeasesAreReclaimed() async throws {
        let ttl = Duration.seconds(1)
        let processes = try await S.budgets(2, keys: S.freshKeys(), settings: S.settings(capacity: 10, leaseTTL: ttl))
        let dead = processes[0].budget
        let alive = processes[1].budget
        // A worker takes everything, then is killed (it never renews nor releases).
        let started = ContinuousClock.now
        #expect(try await dead.lease(holder: "killed", want: 10, inUse: 10).granted == 10)
        let starved = try await alive.lease(holder: "alive", want: 6, inUse: 0)
        // (On a machine so loaded that a second passed meanwhile, the lease may already be gone.)
        if ContinuousClock.now - started < ttl { #expect(starved.granted == 0) }
        try await Task.sleep(for: ttl + .milliseconds(200))
        let reclaimed = try await alive.lease(holder: "alive", want: 6, inUse: 0)
        #expect(reclaimed.granted == 6)
        #expect(reclaimed.totalHeld == 6, "the killed worker's permits are no longer counted")
        for process in processes { await process.client.close() }
    }

    @Test func cutsHalveOncePerBurstAndTheBudgetGrowsBack() async throws {
        let keys = S.freshKeys()
        let processes = try await S.budgets(2, keys: keys, settings: S.settings(capacity: 16))
        let since = ContinuousClock.now
        // A burst of 429s seen by several requests of two workers: one halving.
        let cuts = await withTaskGroup(of: CarrierBudgetCut?.self) { group in
            for index in 0..<8 {
                group.addTask { try? await processes[index % 2].budget.cut() }
            }
            return await group.reduce(into: [CarrierBudgetCut]()) { if let cut = $1 { $0.append(cut) } }
        }
        #expect(cuts.count == 8)
        #expect(cuts.filter(\.halved).count == 1)
        #expect(cuts.allSatisfy { $0.budget == 8 })
        // Every worker sees the halved budget, and no lease goes past it.
        let grant = try await processes[1].budget.lease(holder: "x", want: 16, inUse: 0)
        #expect(grant.budget == 8 && grant.granted == 8)
        _ = try await processes[1].budget.lease(holder: "x", want: 0, inUse: 0)
        // The same account seen with a 100 ms growth window: +1 per window since the halving ...
        let growing = CarrierConcurrencyBudget(
            client: processes[0].client, keys: keys, account: "ACtest",
            settings: S.settings(capacity: 16, cutWindow: .zero, growthWindow: .milliseconds(100)))
        try await Task.sleep(for: .milliseconds(250))
        let grown = try await growing.inspect().budget
        let windows = Int((ContinuousClock.now - since) / .milliseconds(100))
        #expect(grown >= 10 && grown <= min(16, 8 + windows + 1), "grew to \(grown) in \(windows) windows")
        // ... up to the configured budget, never past it.
        try await Task.sleep(for: .seconds(1))
        #expect(try await growing.inspect().budget == 16)
        // A later burst, past the cut window, halves again.
        let again = try await growing.cut()
        #expect(again.halved && again.budget == 8)
        for process in processes { await process.client.close() }
    }

    @Test func anUnconfirmed429HalvesOnlyABudgetTheFleetUses() async throws {
        let processes = try await S.budgets(
            1, keys: S.freshKeys(), settings: S.settings(capacity: 20, cutWindow: .zero))
        let budget = processes[0].budget
        #expect(try await budget.lease(holder: "a", want: 9, inUse: 0).granted == 9)
        // 9 of 20 held: a 429 without the concurrency header is somebody else's limit.
        #expect(try await budget.cut(confirmed: false).halved == false)
        // The carrier says it is the concurrency limit: halved whatever the use.
        #expect(try await budget.cut(confirmed: true).budget == 10)
        // 9 of 10 held: an unconfirmed 429 now halves too.
        let cut = try await budget.cut(confirmed: false)
        #expect(cut.halved && cut.budget == 5)
        await processes[0].client.close()
    }

    @Test func accountKeysShareOneHashTagAndNeverBreakIt() {
        let keys = QueueKeys(prefix: "amplifi:")
        let settings = CarrierBudgetSettings()
        let client = try? RedisClient(url: "redis://127.0.0.1:1")
        guard let client else {
            Issue.record("client")
            return
        }
        let plain = CarrierConcurrencyBudget(client: client, keys: keys, account: "AC0123abcd", settings: settings)
        #expect(plain.key("held") == "amplifi:{ca:AC0123abcd}:held")
        #expect(plain.key("state") == "amplifi:{ca:AC0123abcd}:state")
        let odd = CarrierConcurrencyBudget(client: client, keys: keys, account: "AC}{weird", settings: settings)
        #expect(odd.accountKey.hasPrefix("h"))
        #expect(!odd.accountKey.contains("{") && !odd.accountKey.contains("}"))
        #expect(
            odd.accountKey
                == CarrierConcurrencyBudget(client: client, keys: keys, account: "AC}{weird", settings: settings)
                .accountKey)
    }
}
