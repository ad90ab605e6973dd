import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Logging
import Testing

/// Segments saved, listed, changed, previewed and deleted on real Postgres; a campaign whose
/// segment was deleted fails planning with a reason instead of planning a vanished audience.
@Suite struct SegmentStoreTests {
    static let logger = Logger(label: "amplifi.test.segments")

    static func body(_ text: String) -> Data { Data(text.utf8) }

    @Test func aBadBodyIsRefusedWithEveryProblem() async throws {
        try await withTestDatabase { client, _ in
            let org = try await AudienceFixtures.createOrg(client)
            let store = SegmentStore(client: client, logger: Self.logger)
            do {
                _ = try await store.create(
                    orgID: org, json: Self.body(#"{"name": " ", "filter": {"colour": "red", "tags": "vip"}, "x": 1}"#))
                Issue.record("saved an invalid segment")
            } catch let failure as ValidationFailure {
                let fields = Set(failure.problems.compactMap(\.field))
                #expect(fields == ["name", "filter.colour", "x"], "\(failure.problems)")
            }
            do {
                _ = try await store.create(orgID: org, json: Self.body(#"{"name": "VIPs"}"#))
                Issue.record("saved a segment without a filter")
            } catch let failure as ValidationFailure {
                #expect(failure.problems.map(\.field) == ["filter"])
            }
            #expect(try await store.list(orgID: org).segments.isEmpty)
        }
    }

    @Test func segmentsAreListedChangedPreviewedAndDeleted() async throws {
        try await withTestDatabase { client, _ in
            let org = try await AudienceFixtures.createOrg(client)
            let other = try await AudienceFixtures.createOrg(client, name: "Other")
            let store = SegmentStore(client: client, logger: Self.logger)
            for phone in ["+13035550101", "+13035550102"] {
                try await AudienceFixtures.contact(client, org: org, phone: phone, tags: ["vip"])
            }
            try await AudienceFixtures.contact(client, org: org, phone: "+13035550103", tags: ["vip"], optedOut: true)
            try await AudienceFixtures.contact(client, org: org, phone: "+13035550104", tags: ["other"])
            var made: [Segment] = []
            for name in ["one", "two", "three"] {
                made.append(
                    try await store.create(
                        orgID: org, json: Self.body(#"{"name": "\#(name)", "filter": {"tags": ["vip"]}}"#)))
            }
            let first = try await store.list(orgID: org, limit: 2)
            #expect(first.segments.map(\.name) == ["three", "two"])
            let second = try await store.list(orgID: org, limit: 2, cursor: try #require(first.nextCursor))
            #expect(second.segments.map(\.name) == ["one"] && second.nextCursor == nil)
            #expect(try await store.list(orgID: other).segments.isEmpty)
            #expect(try await store.fetch(orgID: other, segmentID: made[0].id) == nil)

            let preview = try await store.preview(orgID: org, segmentID: made[0].id)
            #expect(preview.count == 3 && preview.sendable == 2 && preview.contacts.count == 3)
            #expect(preview.contacts.filter { $0.skipReason == .optedOut }.map(\.phone) == ["+13035550103"])

            let renamed = try await store.update(
                orgID: org, segmentID: made[0].id, json: Self.body(#"{"name": "VIPs", "filter": {"optedOut": false}}"#))
            #expect(renamed.name == "VIPs" && renamed.filter.optedOut == false && renamed.filter.tags == nil)
            #expect(try await store.preview(orgID: org, segmentID: made[0].id).count == 3)
            await #expect(throws: ValidationFailure.self) {
                try await store.update(orgID: org, segmentID: made[0].id, json: Self.body("{}"))
            }

            #expect(try await store.delete(orgID: org, segmentID: made[0].id) == 0)
            #expect(try await store.fetch(orgID: org, segmentID: made[0].id) == nil)
            do {
                _ = try await store.delete(orgID: org, segmentID: made[0].id)
                Issue.record("deleted a segment twice")
            } catch let error as EngineError {
                #expect(error.code == .notFound)
            }
            do {
                _ = try await store.delete(orgID: other, segmentID: made[1].id)
                Issue.record("deleted another organization's segment")
            } catch let error as EngineError {
                #expect(error.code == .notFound)
            }
        }
    }

    @Test func aCampaignWhoseSegmentWasDeletedFailsPlanningWithAReason() async throws {
        try await withTestDatabase { client, _ in
            let org = try await AudienceFixtures.createOrg(client)
            try await AudienceFixtures.contact(client, org: org, phone: "+13035550101", tags: ["vip"])
            let store = SegmentStore(client: client, logger: Self.logger)
            let segment = try await store.create(
                orgID: org, json: Self.body(#"{"name": "VIPs", "filter": {"tags": ["vip"]}}"#))
            let campaign = try await AudienceFixtures.campaign(client, org: org, segment: segment.id)
            try await client.query("UPDATE campaigns SET status = 'pending' WHERE id = \(campaign)")
            #expect(try await store.delete(orgID: org, segmentID: segment.id) == 1)
            do {
                _ = try await AudiencePlanner(client: client).expand(campaignID: campaign, orgID: org)
                Issue.record("planned a deleted segment")
            } catch {
                let failure = PlanningFailure.classify(error)
                #expect(
                    failure
                        == .permanent(
                            reason:
                                "planning_failed: segmentId: segment \(segment.id.uuidString.lowercased()) was deleted; give the campaign another audience"
                        ))
            }
        }
    }
}
