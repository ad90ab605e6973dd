import AmplifiCarriers

/// The seeded fault schedule of a chaos run: which faults, and when. Pure: the same seed, window
/// and fleet give the same schedule, so a failing run can be repeated exactly.
///
/// Every kind of fault appears at least once — at least ten worker deaths (about 60% `kill -9`, the
/// rest SIGTERM), a scheduler and the receiver each `kill -9`ed and SIGTERMed, a Redis restart, a
/// Redis `FLUSHALL`, a Postgres restart, a 429 burst and an outage — each in its own slot of the
/// window's middle 80%,
/// so two faults are never closer than a slot's width apart.
public enum ChaosFaultSchedule {
    /// The schedule for a window of `seconds`, `workers` workers and `schedulers` schedulers.
    public static func make(seed: UInt64, seconds: Double, workers: Int, schedulers: Int) -> [ChaosEvent] {
        var random = SplitMix64(seed: seed ^ 0xC4A0_5C4E_D01E_0001)
        let workerDeaths = max(10, Int(seconds / 6))
        var faults: [ChaosFault] = []
        for death in 0..<workerDeaths {
            let index = Int(random.next() % UInt64(max(1, workers)))
            faults.append(death % 5 < 3 ? .killWorker(index: index) : .terminateWorker(index: index))
        }
        faults.append(.killScheduler(index: Int(random.next() % UInt64(max(1, schedulers)))))
        faults.append(.terminateScheduler(index: Int(random.next() % UInt64(max(1, schedulers)))))
        faults += [
            .killReceiver, .terminateReceiver, .restartRedis, .flushRedis, .restartPostgres,
            .throttle(seconds: 4, retryAfterSeconds: 2), .outage(seconds: 4),
        ]
        // Shuffle (Fisher–Yates on the seeded generator), then one fault per slot, jittered inside it.
        for index in stride(from: faults.count - 1, to: 0, by: -1) {
            faults.swapAt(index, Int(random.next() % UInt64(index + 1)))
        }
        let start = seconds * 0.05
        let slot = seconds * 0.8 / Double(faults.count)
        return faults.enumerated().map { position, fault in
            let jitter = Double(random.next() >> 11) / 9_007_199_254_740_992.0 * slot * 0.5
            return ChaosEvent(at: start + Double(position) * slot + jitter, fault: fault)
        }
    }
}
