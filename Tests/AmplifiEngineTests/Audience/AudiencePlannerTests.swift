import AmplifiBench
import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

@Suite("Audience planner")
struct AudiencePlannerTests {
    typealias F = AudienceFixtures

    @Test func suppressedContactsGetTheirSkipReason() async throws {
        try await withTestDatabase { client, _ in
            let org = try await F.createOrg(client)
            let ok = try await F.contact(client, org: org, phone: "+19195550001")
            let opted = try await F.contact(client, org: org, phone: "+19195550002", textable: false, optedOut: true)
            let noPhone = try await F.contact(client, org: org, textable: nil)
            let landline = try await F.contact(client, org: org, phone: "+19195550004", textable: false)
            let pending = try await F.contact(client, org: org, phone: "+19195550005", textable: nil)
            try await F.contact(client, org: org, deleted: true)
            let campaign = try await F.campaign(client, org: org)

            let summary = try await AudiencePlanner(client: client).expand(
                campaignID: campaign, orgID: org, chunkSize: 2)
            #expect(summary.audienceCount == 5)
            #expect(summary.pendingCount == 1)
            #expect(summary.skippedByReason == ["opted_out": 1, "no_phone": 1, "not_textable": 1, "lookup_pending": 1])
            #expect(summary.variantCounts.isEmpty && summary.heldCount == 0)
            #expect(summary.pagesThisRun == 3 && summary.isComplete)

            let rows = try await client.query(
                "SELECT contact_id, status, skip_reason, phone, variant FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign)"
            ).map { try $0.decode((UUID, String, String?, String?, String?).self) }
            let byContact = Dictionary(uniqueKeysWithValues: rows.map { ($0.0, $0) })
            #expect(byContact[ok]?.1 == "pending" && byContact[ok]?.3 == "+19195550001" && byContact[ok]?.4 == nil)
            #expect(byContact[opted]?.2 == "opted_out")
            #expect(byContact[noPhone]?.2 == "no_phone" && byContact[noPhone]?.3 == nil)
            #expect(byContact[landline]?.2 == "not_textable")
            #expect(byContact[pending]?.2 == "lookup_pending")

            let counters = try await client.query(
                "SELECT audience_count, skipped_count FROM campaigns WHERE org_id = \(org) AND id = \(campaign)"
            )[0].decode((Int, Int).self)
            #expect(counters == (5, 4))
        }
    }

    @Test func segmentAndFilterAudiences() async throws {
        try await withTestDatabase { client, _ in
            let org = try await F.createOrg(client)
            let other = try await F.createOrg(client, name: "Other")
            _ = try await client.withConnection { try await GeneratedContacts(orgID: org, count: 1000).copy(into: $0) }
            _ = try await client.withConnection { try await GeneratedContacts(orgID: other, count: 300).copy(into: $0) }
            let planner = AudiencePlanner(client: client)

            // vip (i % 10 == 0) in NC (i % 4 == 0) → i % 20 == 0: 50 contacts.
            let segment = try await F.segment(client, org: org, filter: #"{"tags": ["vip"], "state": "nc"}"#)
            let bySegment = try await F.campaign(client, org: org, filter: nil, segment: segment)
            let segmentSummary = try await planner.expand(campaignID: bySegment, orgID: org, chunkSize: 7)
            #expect(segmentSummary.audienceCount == 50)
            #expect(segmentSummary.pagesThisRun == 8)

            // donor AND vip, textable only, opted in: i % 10 == 0 minus the skips.
            let byFilter = try await F.campaign(
                client, org: org,
                filter: #"{"tags": ["donor", "vip"], "tagsLogic": "AND", "isTextable": true, "optedOut": false}"#)
            let filterSummary = try await planner.expand(campaignID: byFilter, orgID: org, chunkSize: 1000)
            let expected = (0..<1000).filter { $0 % 10 == 0 && $0 % 100 != 3 && $0 % 100 != 5 && $0 % 100 != 11 }.count
            #expect(filterSummary.audienceCount == expected)
            #expect(filterSummary.pendingCount == expected - (0..<1000).filter { $0 % 10 == 0 && $0 % 50 == 7 }.count)
            #expect(filterSummary.sendableChunks == [0])
        }
    }

    @Test func abVariantsMatchTheSamplerAndHoldoutIsHeld() async throws {
        try await withTestDatabase { client, _ in
            let org = try await F.createOrg(client)
            _ = try await client.withConnection { try await GeneratedContacts(orgID: org, count: 2000).copy(into: $0) }
            let campaign = try await F.campaign(client, org: org, abTest: true)
            let summary = try await AudiencePlanner(client: client).expand(
                campaignID: campaign, orgID: org, chunkSize: 300)
            #expect(summary.audienceCount == 2000)
            #expect(summary.pagesThisRun == 7)
            let sampler = try ABSampler()
            let rows = try await client.query(
                "SELECT contact_id, variant, status, skip_reason, chunk FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign) ORDER BY contact_id"
            ).map { try $0.decode((UUID, String, String, String?, Int).self) }
            for (index, row) in rows.enumerated() {
                let expected = sampler.assignment(campaignID: campaign, contactID: row.0)
                let variant = expected == .holdout ? "main" : expected.rawValue
                #expect(row.1 == variant)
                #expect(row.2 == (row.3 != nil ? "skipped" : (variant == "main" ? "held" : "pending")))
                #expect(row.4 == index / 300)
            }
            #expect(summary.heldCount == rows.filter { $0.2 == "held" }.count)
        }
    }

    /// 100k contacts, pages of 1000, A/B: counts, shares and flat memory.
    @Test func expandsOneHundredThousandContactsInBoundedMemory() async throws {
        try await withTestDatabase { client, _ in
            let org = try await F.createOrg(client)
            let total = 100_000
            try await client.withConnection { connection in
                try await GeneratedContacts(orgID: org, count: total).copy(into: connection)
                try await connection.execute(script: "ANALYZE contacts")
            }
            let campaign = try await F.campaign(client, org: org, abTest: true)
            let before = F.peakRSSKilobytes()
            let rssBefore = F.currentRSSKilobytes()
            let start = ContinuousClock.now
            let summary = try await AudiencePlanner(client: client).expand(
                campaignID: campaign, orgID: org, chunkSize: 1000)
            let elapsed = ContinuousClock.now - start
            let after = F.peakRSSKilobytes()
            let rssAfter = F.currentRSSKilobytes()
            print(
                "100k A/B expansion: \(elapsed), VmHWM before \(before) kB, after \(after) kB (growth \(after - before) kB); VmRSS before \(rssBefore) kB, after \(rssAfter) kB"
            )

            let noPhone = (0..<total).filter { $0 % 50 == 7 }.count
            let opted = (0..<total).filter { $0 % 100 == 11 }.count
            let notTextable = (0..<total).filter { $0 % 100 == 3 && $0 % 50 != 7 }.count
            let lookup = (0..<total).filter { $0 % 100 == 5 && $0 % 50 != 7 }.count
            #expect(summary.audienceCount == total)
            #expect(summary.pagesThisRun == 100 && summary.isComplete)
            #expect(
                summary.skippedByReason == [
                    "no_phone": noPhone, "opted_out": opted, "not_textable": notTextable, "lookup_pending": lookup,
                ])
            let sendable = total - summary.skippedCount
            #expect(summary.pendingCount + summary.heldCount == sendable)
            // ~5/5/90 of the whole audience.
            let a = Double(summary.variantCounts["A"] ?? 0) / Double(total)
            let b = Double(summary.variantCounts["B"] ?? 0) / Double(total)
            let main = Double(summary.variantCounts["main"] ?? 0) / Double(total)
            #expect(
                abs(a - 0.05) < 0.005 && abs(b - 0.05) < 0.005 && abs(main - 0.90) < 0.006, "A \(a) B \(b) main \(main)"
            )
            #expect(summary.sendableChunks == Array(0..<100))
            // Memory: one page at a time; a generous bound that 100k rows in memory would exceed.
            #expect(after - before < 48 * 1024, "peak RSS grew by \(after - before) kB")
        }
    }

    /// A run stopped after K pages, then a full rerun, gives exactly the rows of
    /// one uninterrupted run (same chunks, variants, statuses), none twice.
    @Test(arguments: [false, true])
    func rerunAfterCrashGivesIdenticalRows(abTest: Bool) async throws {
        try await withTestDatabase { client, _ in
            let org = try await F.createOrg(client)
            _ = try await client.withConnection { try await GeneratedContacts(orgID: org, count: 5000).copy(into: $0) }
            let campaign = try await F.campaign(client, org: org, abTest: abTest)
            let planner = AudiencePlanner(client: client)

            let partial = try await planner.expand(campaignID: campaign, orgID: org, chunkSize: 400, pageLimit: 3)
            #expect(!partial.isComplete && partial.audienceCount == 1200 && partial.pagesThisRun == 3)
            let resumed = try await planner.expand(campaignID: campaign, orgID: org, chunkSize: 400)
            #expect(resumed.isComplete && resumed.insertedThisRun == 3800 && resumed.pagesThisRun == 10)
            let again = try await planner.expand(campaignID: campaign, orgID: org, chunkSize: 400)
            #expect(again.insertedThisRun == 0 && again.pagesThisRun == 0)
            let interrupted = try await F.checksum(client, org: org, campaign: campaign)

            try await client.query("DELETE FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign)")
            let clean = try await planner.expand(campaignID: campaign, orgID: org, chunkSize: 400)
            #expect(try await F.checksum(client, org: org, campaign: campaign) == interrupted)
            #expect(clean.audienceCount == 5000)
            #expect(again.audienceCount == clean.audienceCount && again.skippedByReason == clean.skippedByReason)
            #expect(again.variantCounts == clean.variantCounts && again.sendableChunks == clean.sendableChunks)
            #expect(clean.sendableChunks == Array(0..<13))
        }
    }

    @Test func cancelledPlanningResumesCleanly() async throws {
        try await withTestDatabase { client, _ in
            let org = try await F.createOrg(client)
            _ = try await client.withConnection { try await GeneratedContacts(orgID: org, count: 3000).copy(into: $0) }
            let campaign = try await F.campaign(client, org: org)
            let planner = AudiencePlanner(client: client)
            let task = Task { try await planner.expand(campaignID: campaign, orgID: org, chunkSize: 100) }
            task.cancel()
            _ = try? await task.value
            let summary = try await planner.expand(campaignID: campaign, orgID: org, chunkSize: 100)
            #expect(summary.audienceCount == 3000)
            let duplicates = try await client.query(
                "SELECT count(*) - count(DISTINCT contact_id) FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign)"
            )[0].decode(Int.self, at: 0)
            #expect(duplicates == 0)
        }
    }

    @Test func unknownCampaignAndBadFilterAreReported() async throws {
        try await withTestDatabase { client, _ in
            let org = try await F.createOrg(client)
            let planner = AudiencePlanner(client: client)
            await #expect(throws: EngineError.self) {
                try await planner.expand(campaignID: UUID(), orgID: org)
            }
            let bad = try await F.campaign(client, org: org, filter: #"{"tag": ["vip"]}"#)
            await #expect(throws: ValidationFailure.self) {
                try await planner.expand(campaignID: bad, orgID: org)
            }
            // Another org's campaign is not found either.
            let other = try await F.createOrg(client, name: "Other")
            let theirs = try await F.campaign(client, org: other)
            await #expect(throws: EngineError.self) {
                try await planner.expand(campaignID: theirs, orgID: org)
            }
        }
    }
}
