import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

@Suite("Campaign store (Postgres)")
struct CampaignStoreTests {
    static func json(_ text: String) -> Data { Data(text.utf8) }

    /// Runs `body` expecting a ValidationFailure; returns its problems.
    static func failure(_ body: () async throws -> Campaign) async -> [EngineError] {
        do {
            _ = try await body()
            Issue.record("expected a validation failure")
            return []
        } catch let failure as ValidationFailure {
            return failure.problems
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    @Test func createShowRoundTripPreservesEveryField() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await CampaignTestFixture.make(client)
            let store = CampaignStore(client: client)
            let body = """
                {"name": "April Fundraiser Blast", "message": "Hi {{firstName|friend}}, level {{donorLevel}}",
                 "contactFilter": {"tags": ["vip", "donor"], "tagsLogic": "AND", "state": "NC,SC"},
                 "fromPhoneNumberId": "\(fixture.secondNumberA)", "scheduledFor": "2099-05-01T14:00:00Z",
                 "timezone": "America/Los_Angeles", "mediaUrl": "https://cdn.example.com/a.png", "forceRoute": "MMS",
                 "channel": "text", "normalizeText": false, "abTest": true, "messageVariantA": "A {{pledge}}",
                 "messageVariantB": "B", "autoReply": true, "yesResponse": "Thanks!", "noResponse": "OK, no worries",
                 "faqReplies": [{"question": "When?", "answer": "May 1"}, {"question": "Where?", "answer": "Online"}]}
                """
            let created = try await store.create(orgID: fixture.orgA, json: Self.json(body), mode: .submit)
            let shown = try #require(try await store.fetch(campaignID: created.id, orgID: fixture.orgA))
            #expect(shown == created)
            #expect(shown.orgID == fixture.orgA)
            #expect(shown.name == "April Fundraiser Blast")
            #expect(shown.message == "Hi {{firstName|friend}}, level {{donorLevel}}")
            #expect(shown.segmentID == nil)
            #expect(
                shown.contactFilter == ContactFilter(tags: ["vip", "donor"], tagsLogic: .and, state: ["NC", "SC"]))
            #expect(shown.fromPhoneNumberID == fixture.secondNumberA)
            #expect(shown.scheduledFor.map(UTCTimestamp.format) == "2099-05-01T14:00:00Z")
            #expect(shown.timezone == "America/Los_Angeles")
            #expect(shown.mediaURL == "https://cdn.example.com/a.png")
            #expect(shown.forceRoute == .mms)
            #expect(shown.channel == .text)
            #expect(shown.normalizeText == false)
            #expect(shown.abTest && shown.messageVariantA == "A {{pledge}}" && shown.messageVariantB == "B")
            #expect(shown.abDecideAfterSeconds == 3600)
            #expect(shown.autoReply && shown.yesResponse == "Thanks!" && shown.noResponse == "OK, no worries")
            #expect(
                shown.faqReplies == [
                    FAQReply(question: "When?", answer: "May 1"), FAQReply(question: "Where?", answer: "Online"),
                ])
            #expect(shown.status == .scheduled)
            #expect(shown.counters == CampaignCounters())

            // The JSON the CLI prints uses the product's field names and round-trips through the parser.
            let printed = try shown.jsonText()
            let object = try #require(try JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [String: Any])
            for key in CampaignRequest.knownKeys where key != "draftId" {
                #expect(object[key] != nil, "missing \(key)")
            }
            #expect(object["status"] as? String == "scheduled")
            #expect(object["counters"] is [String: Any])
            var reparsed = shown.asRequest
            reparsed.draftID = nil
            let again = try await store.create(orgID: fixture.orgA, request: reparsed, mode: .submit)
            #expect(again.contactFilter == shown.contactFilter && again.scheduledFor == shown.scheduledFor)
        }
    }

    @Test func defaultsComeFromTheOrganization() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await CampaignTestFixture.make(client)
            let store = CampaignStore(client: client)
            let campaign = try await store.create(
                orgID: fixture.orgA,
                json: Self.json(#"{"name": "Now", "message": "Hello", "segmentId": "\#(fixture.segmentA)"}"#),
                mode: .submit)
            #expect(campaign.fromPhoneNumberID == fixture.numberA)
            #expect(campaign.timezone == "America/Chicago")
            #expect(campaign.status == .pending)
            #expect(campaign.forceRoute == .auto && campaign.normalizeText && campaign.faqReplies.isEmpty)
        }
    }

    @Test func crossOrgSegmentAndNumberAreNotFound() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await CampaignTestFixture.make(client)
            let store = CampaignStore(client: client)
            let problems = await Self.failure {
                try await store.create(
                    orgID: fixture.orgA,
                    json: Self.json(
                        #"{"name": "x", "message": "m", "segmentId": "\#(fixture.segmentB)", "fromPhoneNumberId": "\#(fixture.numberB)"}"#
                    ),
                    mode: .submit)
            }
            #expect(problems.map(\.field) == ["segmentId", "fromPhoneNumberId"])
            #expect(problems.allSatisfy { $0.code == .notFound })
            // A nonexistent id is reported the same way.
            let missing = await Self.failure {
                try await store.create(
                    orgID: fixture.orgA,
                    json: Self.json(#"{"name": "x", "message": "m", "segmentId": "\#(UUID())"}"#), mode: .submit)
            }
            #expect(missing.map(\.field) == ["segmentId"])
            #expect(try await CampaignTestFixture.campaignCount(client) == 0)
        }
    }

    @Test func unknownCustomMergeFieldIsRejected() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await CampaignTestFixture.make(client)
            let store = CampaignStore(client: client)
            // orgBOnly is a custom field of another organization's contacts: unknown here.
            let problems = await Self.failure {
                try await store.create(
                    orgID: fixture.orgA,
                    json: Self.json(
                        #"{"name": "x", "message": "Hi {{orgBOnly}}", "segmentId": "\#(fixture.segmentA)"}"#),
                    mode: .submit)
            }
            #expect(problems.map(\.field) == ["message"])
            #expect(problems.first?.message.contains("orgBOnly") == true)
            // The org's own keys (from any of its contacts) are accepted.
            let ok = try await store.create(
                orgID: fixture.orgA,
                json: Self.json(
                    #"{"name": "x", "message": "{{donorLevel}} {{pledge}}", "segmentId": "\#(fixture.segmentA)"}"#),
                mode: .submit)
            #expect(ok.status == .pending)
        }
    }

    @Test func noFromNumberWhenTheOrgHasNoDefault() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await CampaignTestFixture.make(client)
            let store = CampaignStore(client: client)
            let problems = await Self.failure {
                try await store.create(
                    orgID: fixture.orgWithoutNumbers,
                    json: Self.json(#"{"name": "x", "message": "m", "contactFilter": {}}"#),
                    mode: .submit)
            }
            #expect(problems.map(\.code) == [.noFromNumber])
            #expect(problems.first?.field == "fromPhoneNumberId")
            // A draft is allowed without a sender.
            let draft = try await store.create(
                orgID: fixture.orgWithoutNumbers, json: Self.json(#"{"name": "x"}"#), mode: .draft)
            #expect(draft.status == .draft && draft.fromPhoneNumberID == nil)
        }
    }

    @Test func failedValidationWritesNothingAndReportsEverything() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await CampaignTestFixture.make(client)
            let store = CampaignStore(client: client)
            let problems = await Self.failure {
                try await store.create(
                    orgID: fixture.orgA,
                    json: Self.json(
                        """
                        {"name": "x", "message": "{{nope}}", "segmentId": "\(fixture.segmentA)", "contactFilter": {},
                         "timezone": "Mars/Base", "channel": "fax", "abTest": "yes", "bogus": 1}
                        """), mode: .submit)
            }
            #expect(
                problems.map(\.field) == ["bogus", "abTest", "channel", "message", "contactFilter", "timezone"])
            #expect(try await CampaignTestFixture.campaignCount(client) == 0)
        }
    }

    @Test func draftThenPromoteInPlace() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await CampaignTestFixture.make(client)
            let store = CampaignStore(client: client)
            let draft = try await store.create(
                orgID: fixture.orgA,
                json: Self.json(#"{"name": "Spring", "message": "Hi {{firstName}}", "abTest": true}"#),
                mode: .draft)
            #expect(draft.status == .draft && draft.segmentID == nil && draft.contactFilter == nil)

            // Promotion validates the merged campaign in full: the draft lacks an audience and variants.
            let problems = await Self.failure {
                try await store.create(
                    orgID: fixture.orgA, json: Self.json(#"{"draftId": "\#(draft.id)"}"#), mode: .submit)
            }
            #expect(problems.map(\.field) == ["segmentId", "messageVariantA", "messageVariantB"])
            #expect(try await store.fetch(campaignID: draft.id, orgID: fixture.orgA)?.status == .draft)

            let promoted = try await store.create(
                orgID: fixture.orgA,
                json: Self.json(
                    #"{"draftId": "\#(draft.id)", "segmentId": "\#(fixture.segmentA)", "messageVariantA": "A", "messageVariantB": "B"}"#
                ),
                mode: .submit)
            #expect(promoted.id == draft.id)
            #expect(promoted.status == .pending)
            #expect(promoted.name == "Spring" && promoted.message == "Hi {{firstName}}")
            #expect(promoted.segmentID == fixture.segmentA)
            #expect(try await CampaignTestFixture.campaignCount(client) == 1)

            // Only a draft can be promoted.
            do {
                _ = try await store.create(
                    orgID: fixture.orgA, json: Self.json(#"{"draftId": "\#(draft.id)"}"#), mode: .submit)
                Issue.record("promoted twice")
            } catch let error as EngineError {
                #expect(error.code == .invalidTransition)
                #expect(error.message.contains("pending"))
            }
            // Another organization cannot see or promote it.
            do {
                _ = try await store.create(
                    orgID: fixture.orgB, json: Self.json(#"{"draftId": "\#(draft.id)"}"#), mode: .submit)
                Issue.record("promoted another org's draft")
            } catch let error as EngineError {
                #expect(error.code == .notFound)
            }
        }
    }

    @Test func racingPromotionsPromoteOnce() async throws {
        try await withTestDatabase(maxConnections: 6) { client, _ in
            let fixture = try await CampaignTestFixture.make(client)
            let store = CampaignStore(client: client)
            let draft = try await store.create(
                orgID: fixture.orgA,
                json: Self.json(#"{"name": "D", "message": "m", "segmentId": "\#(fixture.segmentA)"}"#),
                mode: .draft)
            let results = await withTaskGroup(of: Result<Campaign, EngineError>.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        do {
                            return .success(
                                try await store.create(
                                    orgID: fixture.orgA, json: Self.json(#"{"draftId": "\#(draft.id)"}"#), mode: .submit
                                ))
                        } catch let error as EngineError {
                            return .failure(error)
                        } catch {
                            return .failure(EngineError("UNEXPECTED", "\(error)"))
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let winners = results.compactMap { try? $0.get() }
            #expect(winners.count == 1)
            #expect(winners.first?.id == draft.id && winners.first?.status == .pending)
            for case .failure(let error) in results { #expect(error.code == .invalidTransition) }
            #expect(try await CampaignTestFixture.campaignCount(client) == 1)
        }
    }

    @Test func racingTransitionsHaveExactlyOneWinner() async throws {
        try await withTestDatabase(maxConnections: 8) { client, _ in
            let fixture = try await CampaignTestFixture.make(client)
            let store = CampaignStore(client: client)
            let campaign = try await store.create(
                orgID: fixture.orgA,
                json: Self.json(#"{"name": "Race", "message": "m", "segmentId": "\#(fixture.segmentA)"}"#),
                mode: .submit)
            #expect(campaign.status == .pending)
            let outcomes = try await withThrowingTaskGroup(of: CampaignTransitionOutcome.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await store.transition(campaignID: campaign.id, orgID: fixture.orgA, to: .queued)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter(\.won).count == 1)
            #expect(outcomes.filter { $0 == .lost(current: .queued) }.count == 7)
            #expect(try await store.fetch(campaignID: campaign.id, orgID: fixture.orgA)?.status == .queued)
        }
    }

    @Test func forbiddenTransitionIsInvalidTransition() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await CampaignTestFixture.make(client)
            let store = CampaignStore(client: client)
            let campaign = try await store.create(
                orgID: fixture.orgA,
                json: Self.json(#"{"name": "T", "message": "m", "segmentId": "\#(fixture.segmentA)"}"#), mode: .submit)
            do {
                try await store.requireTransition(campaignID: campaign.id, orgID: fixture.orgA, to: .completed)
                Issue.record("pending -> completed was allowed")
            } catch let error as EngineError {
                #expect(error.code == .invalidTransition)
                #expect(error.message.contains("from pending to completed"))
            }
            // Another org's caller cannot move it at all.
            let foreign = try await store.transition(campaignID: campaign.id, orgID: fixture.orgB, to: .queued)
            #expect(foreign == .notFound)
            // Reasons are stored; final states are final.
            #expect(
                try await store.transition(campaignID: campaign.id, orgID: fixture.orgA, to: .canceled, reason: "ops")
                    .won)
            let canceled = try #require(try await store.fetch(campaignID: campaign.id, orgID: fixture.orgA))
            #expect(canceled.status == .canceled && canceled.statusReason == "ops")
            let outcome = try await store.transition(campaignID: campaign.id, orgID: fixture.orgA, to: .pending)
            #expect(outcome == .lost(current: .canceled))
            #expect(outcome.error(campaignID: campaign.id, to: .pending)?.message.contains("final") == true)
        }
    }

    @Test func listPagesByCreatedAtAndID() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await CampaignTestFixture.make(client)
            let store = CampaignStore(client: client)
            var ids: [UUID] = []
            for index in 0..<5 {
                ids.append(
                    try await store.create(
                        orgID: fixture.orgA, json: Self.json(#"{"name": "c\#(index)"}"#), mode: .draft
                    ).id)
            }
            _ = try await store.create(orgID: fixture.orgB, json: Self.json(#"{"name": "other"}"#), mode: .draft)
            var seen: [UUID] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await store.list(orgID: fixture.orgA, limit: 2, cursor: cursor)
                seen += page.campaigns.map(\.id)
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil
            #expect(pages == 3)
            #expect(Set(seen) == Set(ids) && seen.count == 5)
            #expect(try await store.list(orgID: fixture.orgA, limit: 50).campaigns.map(\.id) == seen)
        }
    }
}
