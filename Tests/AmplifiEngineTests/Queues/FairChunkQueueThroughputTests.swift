import AmplifiEngine
import AmplifiRedis
import Foundation
import Testing

/// A report, not a gate: how fast the fair queue hands out jobs on this machine.
@Suite struct FairChunkQueueThroughputTests {
    @Test func popsPerSecondOverTenThousandJobs() async throws {
        let client = try await QueueTestSupport.sharedClient(maxConnections: 4)
        let queue = FairChunkQueue(client: client, keys: QueueTestSupport.freshKeys(), logger: QueueTestSupport.logger)
        let orgs = (0..<10).map { _ in UUID() }
        let clock = ContinuousClock()
        let pushStart = clock.now
        for org in orgs { try await queue.push(jobs: QueueTestSupport.jobs(org: org, count: 1_000)) }
        let pushTime = clock.now - pushStart

        // Four workers, each popping and completing until the queue is empty.
        let popStart = clock.now
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var popped = 0
                    while let lease = try await queue.pop(worker: "bench-\(worker)", leaseSeconds: 60) {
                        try await queue.complete(lease)
                        popped += 1
                    }
                    return popped
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let popTime = clock.now - popStart
        #expect(counts.reduce(0, +) == 10_000)
        #expect(try await queue.leasedCount() == 0)
        let seconds = Double(popTime.components.seconds) + Double(popTime.components.attoseconds) / 1e18
        print(
            "fair queue: pushed 10,000 jobs (10 orgs) in \(pushTime); popped+completed them with 4 workers in "
                + "\(popTime): \(Int(10_000 / seconds)) pops/s")
        await client.close()
    }
}
