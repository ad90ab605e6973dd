import AmplifiEngine
import AmplifiLocalServers
import AmplifiRedis
import Foundation
import Glibc
import Testing

/// Script caching, batching and Redis losing its state, on private servers.
@Suite struct FairChunkQueueRedisLossTests {
    @Test func pushOfAThousandJobsIsOneScriptCall() async throws {
        try await QueueTestSupport.withPrivateRedis { client, _ in
            let queue = FairChunkQueue(client: client, keys: QueueKeys(prefix: "t:"), logger: QueueTestSupport.logger)
            let org = UUID()
            // Load the scripts (the first EVALSHA of each answers NOSCRIPT and is retried).
            try await queue.push(jobs: QueueTestSupport.jobs(org: org, count: 1))
            try await queue.complete(try #require(try await queue.pop(worker: "w", leaseSeconds: 30)))
            let before = try await QueueTestSupport.commandCalls("evalsha", on: client)
            #expect(try await queue.push(jobs: QueueTestSupport.jobs(org: org, count: 1_000)) == 1_000)
            let after = try await QueueTestSupport.commandCalls("evalsha", on: client)
            #expect(after - before == 1)

            // Pop and complete are one call each too.
            let lease = try #require(try await queue.pop(worker: "w", leaseSeconds: 30))
            try await queue.complete(lease)
            #expect(try await QueueTestSupport.commandCalls("evalsha", on: client) - after == 2)
        }
    }

    @Test func scriptsSurviveScriptFlush() async throws {
        try await QueueTestSupport.withPrivateRedis { client, _ in
            let queue = FairChunkQueue(client: client, keys: QueueKeys(prefix: "t:"), logger: QueueTestSupport.logger)
            let org = UUID()
            try await queue.push(jobs: QueueTestSupport.jobs(org: org, count: 3))
            try await client.send(["SCRIPT", "FLUSH"])
            let lease = try #require(try await queue.pop(worker: "w", leaseSeconds: 30))
            try await client.send(["SCRIPT", "FLUSH"])
            #expect(try await queue.extend(lease, leaseSeconds: 30) != nil)
            try await client.send(["SCRIPT", "FLUSH"])
            #expect(try await queue.complete(lease))
            try await client.send(["SCRIPT", "FLUSH"])
            #expect(try await queue.totalDepth() == 2)
            try await client.send(["SCRIPT", "FLUSH"])
            #expect(try await queue.reclaimExpired().isEmpty)
            try await client.send(["SCRIPT", "FLUSH"])
            #expect(try await queue.clear(campaignID: lease.job.campaignID, orgID: org) == 2)
        }
    }

    @Test func flushedRedisIsRebuiltByPushingAgain() async throws {
        try await QueueTestSupport.withPrivateRedis { client, _ in
            let keys = QueueKeys(prefix: "t:")
            let queue = FairChunkQueue(client: client, keys: keys, logger: QueueTestSupport.logger)
            let admissions = AdmissionQueue(client: client, keys: keys, logger: QueueTestSupport.logger)
            let org = UUID()
            let jobs = QueueTestSupport.jobs(org: org, count: 4)
            try await queue.push(jobs: jobs)
            let lease = try #require(try await queue.pop(worker: "w", leaseSeconds: 30))
            try await admissions.ensureGroup()

            try await client.send(["FLUSHALL"])  // Redis lost everything

            // The worker's completion of a pre-flush lease is a no-op.
            #expect(try await queue.complete(lease) == false)
            #expect(try await queue.inFlight(orgID: org) == 0)
            // The reconciler re-pushes every unfinished chunk from Postgres.
            #expect(try await queue.push(jobs: jobs) == 4)
            #expect(try await queue.push(jobs: jobs) == 0)
            #expect(try await queue.totalDepth() == 4)
            // The admission group comes back on first use.
            let campaign = UUID()
            try await admissions.publish(campaignID: campaign, orgID: org)
            #expect(try await admissions.claimNext(consumer: "w", block: .milliseconds(100))?.campaignID == campaign)
        }
    }

    @Test func restartedRedisLosesNothingThatCannotBeRepushed() async throws {
        try await QueueTestSupport.withPrivateRedis { client, server in
            let queue = FairChunkQueue(client: client, keys: QueueKeys(prefix: "t:"), logger: QueueTestSupport.logger)
            let org = UUID()
            let jobs = QueueTestSupport.jobs(org: org, count: 2)
            try await queue.push(jobs: jobs)
            server.process.signal(SIGKILL)
            try await server.restart()
            // The pool's connection broke with the server: the first call may fail, then it recovers.
            var popped: ChunkLease?
            for _ in 0..<3 {
                do {
                    popped = try await queue.pop(worker: "w", leaseSeconds: 30)
                    break
                } catch let error as RedisError where error.code != .server {
                    continue
                }
            }
            #expect(popped == nil)  // empty after restart (no persistence)…
            #expect(try await queue.push(jobs: jobs) == 2)  // …until the reconciler re-pushes
            #expect(try await queue.pop(worker: "w", leaseSeconds: 30)?.job == jobs[0])
        }
    }
}
