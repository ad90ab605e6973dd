import AmplifiEngine
import AmplifiMessaging
import Foundation
import Testing

@Suite("Campaign request parsing")
struct CampaignRequestParsingTests {
    static func parse(_ json: String) -> (CampaignRequest, [EngineError]) {
        CampaignRequest.parseCollectingProblems(json: Data(json.utf8))
    }

    @Test func parsesEverySeedField() throws {
        let request = try CampaignRequest.parse(
            json: Data(
                """
                {"name": "April", "message": "Hi {{firstName}}", "contactFilter": {"tags": ["vip"], "tagsLogic": "AND"},
                 "fromPhoneNumberId": "3F2B8C1E-5D4A-4C1B-9A7E-2F6D8E9B0C1A", "scheduledFor": "2026-05-01T14:00:00Z",
                 "timezone": "America/Chicago", "mediaUrl": "https://x.test/a.png", "forceRoute": "MMS", "channel": "text",
                 "normalizeText": false, "abTest": true, "messageVariantA": "A", "messageVariantB": "B",
                 "autoReply": true, "yesResponse": "yes!", "noResponse": "no!",
                 "faqReplies": [{"question": "when?", "answer": "soon"}], "draftId": null}
                """.utf8))
        #expect(request.name == "April")
        #expect(request.message == "Hi {{firstName}}")
        #expect(request.fromPhoneNumberID == UUID(uuidString: "3f2b8c1e-5d4a-4c1b-9a7e-2f6d8e9b0c1a"))
        #expect(request.scheduledFor == "2026-05-01T14:00:00Z")
        #expect(request.timezone == "America/Chicago")
        #expect(request.mediaURL == "https://x.test/a.png")
        #expect(request.forceRoute == "MMS")
        #expect(request.channel == "text")
        #expect(request.normalizeText == false)
        #expect(request.abTest == true)
        #expect(request.messageVariantA == "A" && request.messageVariantB == "B")
        #expect(request.autoReply == true && request.yesResponse == "yes!" && request.noResponse == "no!")
        #expect(request.faqReplies == [FAQReply(question: "when?", answer: "soon")])
        #expect(request.draftID == nil)
        let filter = try #require(request.contactFilter)
        #expect(try ContactFilter.parse(json: filter).get() == ContactFilter(tags: ["vip"], tagsLogic: .and))
    }

    @Test func reportsUnknownKeysAndWrongTypesPerField() {
        let (request, problems) = Self.parse(
            """
            {"name": 5, "mesage": "typo", "abTest": 1, "normalizeText": "yes", "segmentId": "not-a-uuid",
             "contactFilter": ["vip"], "faqReplies": {"q": "a"}, "message": "ok"}
            """)
        let fields = problems.map(\.field)
        #expect(fields == ["mesage", "name", "segmentId", "contactFilter", "normalizeText", "abTest", "faqReplies"])
        #expect(problems.allSatisfy { $0.code == .validationFailed })
        #expect(problems[1].message.contains("must be a string, got a number"))
        #expect(problems[5].message.contains("true or false"))
        #expect(request.message == "ok")
        #expect(request.name == nil)
    }

    @Test func reportsFAQElementProblems() {
        let (_, problems) = Self.parse(
            #"{"faqReplies": [{"question": "q"}, 3, {"question": "q", "answer": 2, "extra": 1}]}"#)
        #expect(
            problems.map(\.field) == [
                "faqReplies[0].answer", "faqReplies[1]", "faqReplies[2].extra", "faqReplies[2].answer",
            ])
    }

    @Test func rejectsBodiesThatAreNotObjects() {
        for body in ["[]", "\"x\"", "not json", ""] {
            let (_, problems) = Self.parse(body)
            #expect(problems.map(\.field) == ["body"])
        }
        #expect(throws: ValidationFailure.self) { try CampaignRequest.parse(json: Data("{\"x\": 1}".utf8)) }
    }

    @Test func nullMeansAbsent() {
        let (request, problems) = Self.parse(#"{"name": null, "abTest": null, "contactFilter": null}"#)
        #expect(problems.isEmpty)
        #expect(request == CampaignRequest())
    }

    @Test func overlayKeepsDraftFieldsAndSwitchesAudienceKind() {
        var draft = CampaignRequest()
        draft.name = "Draft"
        draft.message = "old"
        draft.segmentID = UUID()
        draft.timezone = "America/Denver"
        var body = CampaignRequest()
        body.message = "new"
        body.contactFilter = Data("{}".utf8)
        body.draftID = UUID()
        let merged = body.overlaying(draft)
        #expect(merged.name == "Draft")
        #expect(merged.message == "new")
        #expect(merged.segmentID == nil)
        #expect(merged.contactFilter == Data("{}".utf8))
        #expect(merged.timezone == "America/Denver")
        #expect(merged.draftID == body.draftID)
    }
}
