import AmplifiEngine
import AmplifiRedis
import Foundation
import Testing

@Suite struct FairChunkQueueTests {
    private func makeQueue(_ client: RedisClient) -> FairChunkQueue {
        FairChunkQueue(client: client, keys: QueueTestSupport.freshKeys(), logger: QueueTestSupport.logger)
    }

    @Test func headsAreEachOrganizationsOldestJob() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = makeQueue(client)
        let (orgA, orgB) = (UUID(), UUID())
        let jobsA = QueueTestSupport.jobs(org: orgA, count: 2)
        let jobsB = QueueTestSupport.jobs(org: orgB, count: 1)
        #expect(try await queue.heads().isEmpty)
        _ = try await queue.push(jobs: jobsA + jobsB)
        let heads = try await queue.heads()
        #expect(heads.count == 2)
        #expect(heads[orgA.uuidString.lowercased()] == "\(jobsA[0].campaignID.uuidString.lowercased()):0:0")
        #expect(heads[orgB.uuidString.lowercased()] == "\(jobsB[0].campaignID.uuidString.lowercased()):0:0")
        _ = try await queue.pop(worker: "w", leaseSeconds: 30)
        _ = try await queue.pop(worker: "w", leaseSeconds: 30)
        _ = try await queue.pop(worker: "w", leaseSeconds: 30)
        #expect(try await queue.heads().isEmpty)
        await client.close()
    }

    @Test func pushPopCompleteRoundTrip() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = makeQueue(client)
        let org = UUID()
        let jobs = QueueTestSupport.jobs(org: org, count: 3)
        #expect(try await queue.push(jobs: jobs) == 3)
        #expect(try await queue.depth(orgID: org) == 3)
        #expect(try await queue.totalDepth() == 3)

        let lease = try #require(try await queue.pop(worker: "w1", leaseSeconds: 30))
        #expect(lease.job == jobs[0])
        #expect(lease.token.hasPrefix("w1/"))
        #expect(try await queue.inFlight(orgID: org) == 1)
        #expect(try await queue.leasedCount() == 1)
        #expect(try await queue.depth(orgID: org) == 2)
        #expect(try await queue.contains(jobs[0]))

        #expect(try await queue.complete(lease))
        #expect(try await queue.complete(lease) == false)
        #expect(try await queue.inFlight(orgID: org) == 0)
        #expect(try await queue.leasedCount() == 0)
        #expect(try await queue.contains(jobs[0]) == false)

        // FIFO within an org.
        #expect(try await queue.pop(worker: "w1", leaseSeconds: 30)?.job == jobs[1])
        #expect(try await queue.pop(worker: "w1", leaseSeconds: 30)?.job == jobs[2])
        #expect(try await queue.pop(worker: "w1", leaseSeconds: 30) == nil)
        #expect(try await queue.totalDepth() == 0)
        await client.close()
    }

    @Test func pushIsIdempotentPerChunk() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = makeQueue(client)
        let org = UUID()
        let jobs = QueueTestSupport.jobs(org: org, count: 5)
        #expect(try await queue.push(jobs: jobs) == 5)
        // The reconciler re-pushes everything: queued jobs are skipped…
        #expect(try await queue.push(jobs: jobs) == 0)
        let lease = try #require(try await queue.pop(worker: "w", leaseSeconds: 30))
        // …and so are leased ones, whatever their attempt.
        var retry = lease.job
        retry.attempt = 3
        #expect(try await queue.push(jobs: [retry]) == 0)
        #expect(try await queue.depth(orgID: org) == 4)
        // That push is remembered: completing the lease queues the chunk once more, at the back.
        try await queue.complete(lease)
        #expect(try await queue.depth(orgID: org) == 5)
        #expect(try await queue.push(jobs: [lease.job]) == 0)
        // Once completed without a push meanwhile, the chunk is forgotten and may be queued again.
        var last: ChunkLease?
        while let next = try await queue.pop(worker: "w", leaseSeconds: 30) {
            try await queue.complete(next)
            last = next
        }
        #expect(last?.job == lease.job)
        #expect(try await queue.push(jobs: [lease.job]) == 1)
        await client.close()
    }

    /// Rows made pending while a worker holds their chunk (an A/B winner released, a resume) are
    /// not left waiting for the lease to run out: the chunk is queued again when the lease ends.
    @Test func aChunkPushedWhileLeasedIsQueuedAgainWhenTheLeaseEnds() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = makeQueue(client)
        let org = UUID()
        let job = QueueTestSupport.jobs(org: org, count: 1)[0]
        #expect(try await queue.push(jobs: [job]) == 1)
        let lease = try #require(try await queue.pop(worker: "w", leaseSeconds: 30))
        #expect(try await queue.push(jobs: [job]) == 0)
        #expect(try await queue.pop(worker: "w", leaseSeconds: 30) == nil)
        #expect(try await queue.complete(lease))
        #expect(try await queue.inFlight(orgID: org) == 0)
        let again = try #require(try await queue.pop(worker: "w", leaseSeconds: 30))
        #expect(again.job == job)
        // Pushed once more only: this lease ends for good.
        #expect(try await queue.complete(again))
        #expect(try await queue.pop(worker: "w", leaseSeconds: 30) == nil)
        #expect(try await queue.contains(job) == false)
        // A worker handing a chunk back (complete, then push) after such a push queues it once.
        #expect(try await queue.push(jobs: [job]) == 1)
        let held = try #require(try await queue.pop(worker: "w", leaseSeconds: 30))
        #expect(try await queue.push(jobs: [job]) == 0)
        try await queue.complete(held)
        #expect(try await queue.push(jobs: [job]) == 0)
        #expect(try await queue.depth(orgID: org) == 1)
        await client.close()
    }

    /// A push while the job only waits in the queue is served by the pop that follows it.
    @Test func aPushBeforeThePopIsServedByThatPop() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = makeQueue(client)
        let org = UUID()
        let job = QueueTestSupport.jobs(org: org, count: 1)[0]
        #expect(try await queue.push(jobs: [job]) == 1)
        #expect(try await queue.push(jobs: [job]) == 0)
        let lease = try #require(try await queue.pop(worker: "w", leaseSeconds: 30))
        #expect(try await queue.complete(lease))
        #expect(try await queue.pop(worker: "w", leaseSeconds: 30) == nil)
        #expect(try await queue.contains(job) == false)
        await client.close()
    }

    @Test func pushGroupsSeveralOrganizations() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = makeQueue(client)
        let (a, b) = (UUID(), UUID())
        let jobs = QueueTestSupport.jobs(org: a, count: 3) + QueueTestSupport.jobs(org: b, count: 2)
        #expect(try await queue.push(jobs: jobs.shuffled()) == 5)
        #expect(try await queue.depth(orgID: a) == 3)
        #expect(try await queue.depth(orgID: b) == 2)
        #expect(try await queue.totalDepth() == 5)
        await client.close()
    }

    @Test func smallCampaignIsNotStarvedByABigOne() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = makeQueue(client)
        let (big, small) = (UUID(), UUID())
        #expect(try await queue.push(jobs: QueueTestSupport.jobs(org: big, count: 10_000)) == 10_000)
        #expect(try await queue.push(jobs: QueueTestSupport.jobs(org: small, count: 5)) == 5)

        // One worker that completes each chunk before taking the next one.
        var smallSeenAt: [Int] = []
        for pop in 1...20 {
            let lease = try #require(try await queue.pop(worker: "solo", leaseSeconds: 30))
            if lease.job.orgID == small { smallSeenAt.append(pop) }
            try await queue.complete(lease)
        }
        #expect(smallSeenAt.count == 5)
        #expect((smallSeenAt.last ?? .max) <= 10)
        await client.close()
    }

    @Test func leastActiveOrganizationGoesFirst() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = makeQueue(client)
        let (big, small) = (UUID(), UUID())
        try await queue.push(jobs: QueueTestSupport.jobs(org: big, count: 1_000))
        // The big org already has 3 chunks in flight when the small one arrives.
        for _ in 0..<3 { _ = try #require(try await queue.pop(worker: "w", leaseSeconds: 30)) }
        try await queue.push(jobs: QueueTestSupport.jobs(org: small, count: 5))
        // Workers that hold their leases: the small org is served until it catches up.
        var orgs: [UUID] = []
        for _ in 0..<8 { orgs.append(try #require(try await queue.pop(worker: "w", leaseSeconds: 30)).job.orgID) }
        #expect(Array(orgs.prefix(3)) == [small, small, small])
        #expect(orgs.filter { $0 == small }.count == 5)
        #expect(try await queue.inFlight(orgID: small) == 5)
        #expect(try await queue.inFlight(orgID: big) == 6)
        await client.close()
    }

    @Test func roundRobinAmongThreeOrganizations() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = makeQueue(client)
        let orgs = [UUID(), UUID(), UUID()]
        for (index, org) in orgs.enumerated() {
            try await queue.push(jobs: QueueTestSupport.jobs(org: org, count: 30 + index * 100))
        }
        var served: [UUID] = []
        for _ in 0..<30 {
            let lease = try #require(try await queue.pop(worker: "w", leaseSeconds: 30))
            served.append(lease.job.orgID)
            try await queue.complete(lease)
        }
        // Every window of three pops serves each org once.
        for start in stride(from: 0, to: 30, by: 3) {
            #expect(Set(served[start..<start + 3]) == Set(orgs))
        }
        await client.close()
    }

    @Test func expiredLeaseGoesBackToTheFront() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = makeQueue(client)
        let org = UUID()
        let jobs = QueueTestSupport.jobs(org: org, count: 2)
        try await queue.push(jobs: jobs)
        let asked = ContinuousClock.now
        let lost = try #require(try await queue.pop(worker: "dies", leaseSeconds: 1))
        let popped = ContinuousClock.now
        #expect(lost.job == jobs[0])
        var retried = jobs[0]
        retried.attempt = 1
        // Not reclaimed before its lease ends (a loaded machine may already be past it: then it is).
        var reclaimed = try await queue.reclaimExpired()
        if reclaimed.isEmpty {
            try await Task.sleep(until: popped + .milliseconds(1_200))
            reclaimed = try await queue.reclaimExpired()
        } else {
            #expect(ContinuousClock.now - asked >= .seconds(1), "reclaimed before its lease ended")
        }
        #expect(reclaimed == [retried])
        #expect(try await queue.inFlight(orgID: org) == 0)
        #expect(try await queue.leasedCount() == 0)
        #expect(try await queue.depth(orgID: org) == 2)

        // Redone first, before the job that was behind it.
        let again = try #require(try await queue.pop(worker: "w2", leaseSeconds: 30))
        #expect(again.job == retried)
        // The dead worker's late completion changes nothing.
        #expect(try await queue.complete(lost) == false)
        #expect(try await queue.inFlight(orgID: org) == 1)
        #expect(try await queue.complete(again))
        #expect(try await queue.pop(worker: "w2", leaseSeconds: 30)?.job == jobs[1])
        await client.close()
    }

    @Test func extendKeepsTheLease() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = makeQueue(client)
        let org = UUID()
        try await queue.push(jobs: QueueTestSupport.jobs(org: org, count: 1))
        // A 2 s lease extended early (a loaded machine has 2 s to get there), then checked past
        // the moment the first lease would have ended.
        let asked = ContinuousClock.now
        let lease = try #require(try await queue.pop(worker: "slow", leaseSeconds: 2))
        try await Task.sleep(for: .milliseconds(300))
        let extended = try #require(try await queue.extend(lease, leaseSeconds: 10))
        #expect(extended.expiresAtMilliseconds > lease.expiresAtMilliseconds)
        try await Task.sleep(until: asked + .milliseconds(2_300))
        #expect(try await queue.reclaimExpired().isEmpty)
        #expect(try await queue.depth(orgID: org) == 0)
        #expect(try await queue.complete(extended))
        // A lost lease cannot be extended.
        #expect(try await queue.extend(lease, leaseSeconds: 10) == nil)
        await client.close()
    }

    @Test func clearRemovesACanceledCampaignsQueuedJobs() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = makeQueue(client)
        let org = UUID()
        let (canceled, kept) = (UUID(), UUID())
        try await queue.push(jobs: QueueTestSupport.jobs(org: org, campaign: canceled, count: 4))
        try await queue.push(jobs: QueueTestSupport.jobs(org: org, campaign: kept, count: 3))
        let leased = try #require(try await queue.pop(worker: "w", leaseSeconds: 30))
        #expect(leased.job.campaignID == canceled)

        #expect(try await queue.clear(campaignID: canceled, orgID: org) == 3)
        #expect(try await queue.clear(campaignID: canceled, orgID: org) == 0)
        #expect(try await queue.depth(orgID: org) == 3)
        var rest: [UUID] = []
        while let lease = try await queue.pop(worker: "w", leaseSeconds: 30) {
            rest.append(lease.job.campaignID)
            try await queue.complete(lease)
        }
        #expect(rest == [kept, kept, kept])
        #expect(try await queue.complete(leased))

        // Clearing the last campaign of an org removes the org from the rotation.
        try await queue.push(jobs: QueueTestSupport.jobs(org: org, campaign: canceled, count: 2))
        #expect(try await queue.clear(campaignID: canceled, orgID: org) == 2)
        #expect(try await queue.pop(worker: "w", leaseSeconds: 30) == nil)
        #expect(try await queue.totalDepth() == 0)
        await client.close()
    }
}
