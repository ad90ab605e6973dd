import AmplifiChaos
import Testing

/// The fault schedule is reproducible, covers every fault the run promises, and spaces them out.
@Suite("Chaos fault schedule")
struct ChaosFaultScheduleTests {
    @Test(arguments: [UInt64(0), 1, 7, 42, 1_000_003])
    func everyKindOfFaultOnceOrMoreSpacedInsideTheWindow(seed: UInt64) {
        let schedule = ChaosFaultSchedule.make(seed: seed, seconds: 60, workers: 3, schedulers: 2)
        #expect(schedule == ChaosFaultSchedule.make(seed: seed, seconds: 60, workers: 3, schedulers: 2))
        let workerDeaths = schedule.filter {
            if case .killWorker = $0.fault { return true }
            if case .terminateWorker = $0.fault { return true }
            return false
        }
        #expect(workerDeaths.count >= 10)
        #expect(schedule.contains { if case .killWorker = $0.fault { true } else { false } })
        #expect(schedule.contains { if case .terminateWorker = $0.fault { true } else { false } })
        #expect(schedule.contains { if case .killScheduler = $0.fault { true } else { false } })
        #expect(schedule.contains { if case .terminateScheduler = $0.fault { true } else { false } })
        for fault in [ChaosFault.killReceiver, .terminateReceiver, .restartRedis, .flushRedis, .restartPostgres] {
            #expect(schedule.contains { $0.fault == fault })
        }
        #expect(schedule.contains { if case .throttle = $0.fault { true } else { false } })
        #expect(schedule.contains { if case .outage = $0.fault { true } else { false } })
        let times = schedule.map(\.at)
        #expect(times == times.sorted())
        #expect(times.allSatisfy { $0 >= 3 && $0 <= 51 })
        for (earlier, later) in zip(times, times.dropFirst()) { #expect(later - earlier > 0.5) }
        for event in schedule {
            switch event.fault {
            case .killWorker(let index), .terminateWorker(let index): #expect((0..<3).contains(index))
            case .killScheduler(let index), .terminateScheduler(let index): #expect((0..<2).contains(index))
            default: break
            }
        }
    }

    @Test func longerWindowsKillMoreWorkersAndSeedsDiffer() {
        let long = ChaosFaultSchedule.make(seed: 1, seconds: 600, workers: 4, schedulers: 2)
        #expect(long.filter { if case .killWorker = $0.fault { true } else { false } }.count >= 50)
        #expect(
            ChaosFaultSchedule.make(seed: 1, seconds: 60, workers: 3, schedulers: 2)
                != ChaosFaultSchedule.make(seed: 2, seconds: 60, workers: 3, schedulers: 2))
    }
}
