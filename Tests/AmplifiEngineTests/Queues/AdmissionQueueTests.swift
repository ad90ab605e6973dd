import AmplifiEngine
import AmplifiRedis
import Foundation
import Testing

@Suite struct AdmissionQueueTests {
    @Test func publishClaimAcknowledge() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = AdmissionQueue(client: client, keys: QueueTestSupport.freshKeys(), logger: QueueTestSupport.logger)
        try await queue.ensureGroup()
        try await queue.ensureGroup()  // idempotent: every process calls it at start-up
        let campaign = UUID()
        let org = UUID()
        let id = try await queue.publish(campaignID: campaign, orgID: org)

        let admission = try #require(try await queue.claimNext(consumer: "w1", block: .milliseconds(200)))
        #expect(admission == Admission(entryID: id, campaignID: campaign, orgID: org))
        #expect(try await queue.pendingCount() == 1)
        // Nothing new for anyone else.
        #expect(try await queue.claimNext(consumer: "w2", block: .milliseconds(100)) == nil)

        #expect(try await queue.acknowledge(admission))
        #expect(try await queue.acknowledge(admission) == false)
        #expect(try await queue.pendingCount() == 0)
        #expect(try await queue.length() == 1)
        await client.close()
    }

    @Test func publishedBeforeTheGroupExistsIsStillRead() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = AdmissionQueue(client: client, keys: QueueTestSupport.freshKeys(), logger: QueueTestSupport.logger)
        let campaign = UUID()
        try await queue.publish(campaignID: campaign, orgID: UUID())
        // No ensureGroup: claimNext creates the group (from 0) on NOGROUP.
        let admission = try await queue.claimNext(consumer: "w1", block: .milliseconds(100))
        #expect(admission?.campaignID == campaign)
        await client.close()
    }

    @Test func blockingClaimWakesOnPublish() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = AdmissionQueue(client: client, keys: QueueTestSupport.freshKeys(), logger: QueueTestSupport.logger)
        try await queue.ensureGroup()
        let campaign = UUID()
        async let claimed = queue.claimNext(consumer: "w1", block: .seconds(5))
        try await Task.sleep(for: .milliseconds(200))
        try await queue.publish(campaignID: campaign, orgID: UUID())
        #expect(try await claimed?.campaignID == campaign)
        await client.close()
    }

    @Test func abandonedAdmissionIsReclaimedByAnotherConsumer() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = AdmissionQueue(client: client, keys: QueueTestSupport.freshKeys(), logger: QueueTestSupport.logger)
        try await queue.ensureGroup()
        let campaign = UUID()
        try await queue.publish(campaignID: campaign, orgID: UUID())
        // w1 reads and dies without acknowledging.
        let read = try #require(try await queue.claimNext(consumer: "w1", block: .milliseconds(100)))

        // Not idle long enough yet: nothing to take over.
        #expect(try await queue.reclaimAbandoned(consumer: "w2", minIdle: .seconds(60)).isEmpty)
        try await Task.sleep(for: .milliseconds(150))
        let reclaimed = try await queue.reclaimAbandoned(consumer: "w2", minIdle: .milliseconds(100))
        #expect(reclaimed == [read])
        let pending = try await client.xpending(stream: queue.keys.admissionStream, group: queue.keys.admissionGroup)
        #expect(pending.consumers == ["w2": 1])

        #expect(try await queue.acknowledge(reclaimed[0]))
        #expect(try await queue.pendingCount() == 0)
        await client.close()
    }

    @Test func malformedEntryIsAcknowledgedAndSkipped() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = AdmissionQueue(client: client, keys: QueueTestSupport.freshKeys(), logger: QueueTestSupport.logger)
        try await queue.ensureGroup()
        try await client.xadd(stream: queue.keys.admissionStream, fields: [("campaign", "not-a-uuid")])
        #expect(try await queue.claimNext(consumer: "w1", block: .milliseconds(100)) == nil)
        #expect(try await queue.pendingCount() == 0)
        await client.close()
    }

    @Test func streamIsTrimmedApproximately() async throws {
        let client = try await QueueTestSupport.sharedClient()
        let queue = AdmissionQueue(
            client: client, keys: QueueTestSupport.freshKeys(), maxLength: 10, logger: QueueTestSupport.logger)
        for _ in 0..<300 { try await queue.publish(campaignID: UUID(), orgID: UUID()) }
        // `~` trims whole macro nodes (100 entries by default), so the length stays near the cap.
        #expect(try await queue.length() < 300)
        await client.close()
    }
}
