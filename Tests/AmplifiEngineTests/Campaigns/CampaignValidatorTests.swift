import AmplifiEngine
import AmplifiMessaging
import Foundation
import Testing

@Suite("Campaign validation (pure)")
struct CampaignValidatorTests {
    static let segment = UUID()
    static let number = UUID()
    static let defaultNumber = UUID()

    /// A complete, valid body.
    static func valid() -> CampaignRequest {
        var request = CampaignRequest()
        request.name = "April Fundraiser"
        request.message = "Hi {{firstName|there}}, see you in {{city}}"
        request.segmentID = segment
        return request
    }

    static let context = CampaignValidationContext(
        orgTimezone: "America/New_York", defaultPhoneNumberID: defaultNumber, customFieldKeys: ["donorLevel"])

    static func problems(
        _ request: CampaignRequest, mode: CampaignIntakeMode = .submit, context: CampaignValidationContext = context
    ) -> [EngineError] {
        switch CampaignValidator.validate(request, mode: mode, context: context) {
        case .success: []
        case .failure(let failure): failure.problems
        }
    }

    /// The request with one change must fail with exactly one problem on `field` (with `code`).
    static func expectOnly(
        _ field: String, code: AmplifiErrorCode = .validationFailed, mode: CampaignIntakeMode = .submit,
        context: CampaignValidationContext = context, sourceLocation: SourceLocation = #_sourceLocation,
        _ change: (inout CampaignRequest) -> Void
    ) {
        var request = valid()
        change(&request)
        let found = problems(request, mode: mode, context: context)
        #expect(found.map(\.field) == [field], "\(found)", sourceLocation: sourceLocation)
        #expect(found.first?.code == code, sourceLocation: sourceLocation)
    }

    @Test func validBodyGetsDefaults() throws {
        let spec = try CampaignValidator.validate(Self.valid(), mode: .submit, context: Self.context).get()
        #expect(spec.fromPhoneNumberID == Self.defaultNumber)
        #expect(spec.timezone == "America/New_York")
        #expect(spec.forceRoute == .auto)
        #expect(spec.channel == .text)
        #expect(spec.normalizeText)
        #expect(!spec.abTest && !spec.autoReply)
        #expect(spec.audience == .segment(Self.segment))
        #expect(spec.initialStatus(mode: .submit, now: Date()) == .pending)
    }

    @Test func statusFollowsScheduleAndMode() throws {
        var request = Self.valid()
        request.scheduledFor = "2099-01-01T00:00:00Z"
        let spec = try CampaignValidator.validate(request, mode: .submit, context: Self.context).get()
        #expect(spec.initialStatus(mode: .submit, now: Date()) == .scheduled)
        #expect(spec.initialStatus(mode: .draft, now: Date()) == .draft)
        request.scheduledFor = "2001-01-01T00:00:00Z"
        let past = try CampaignValidator.validate(request, mode: .submit, context: Self.context).get()
        #expect(past.initialStatus(mode: .submit, now: Date()) == .pending)
    }

    @Test func audienceBothOrNeither() {
        Self.expectOnly("contactFilter") { $0.contactFilter = Data(#"{"tags": ["vip"]}"#.utf8) }
        Self.expectOnly("segmentId") { $0.segmentID = nil }
        // A draft may have neither, never both.
        var draft = Self.valid()
        draft.segmentID = nil
        #expect(Self.problems(draft, mode: .draft).isEmpty)
        Self.expectOnly("contactFilter", mode: .draft) { $0.contactFilter = Data("{}".utf8) }
    }

    @Test func segmentOrNumberOfAnotherOrganization() {
        var context = Self.context
        context.segmentExists = false
        Self.expectOnly("segmentId", code: .notFound, context: context) { _ in }
        context = Self.context
        context.phoneNumberExists = false
        Self.expectOnly("fromPhoneNumberId", code: .notFound, context: context) { $0.fromPhoneNumberID = Self.number }
    }

    @Test func requestedNumberWinsOverDefault() throws {
        var request = Self.valid()
        request.fromPhoneNumberID = Self.number
        #expect(
            try CampaignValidator.validate(request, mode: .submit, context: Self.context).get().fromPhoneNumberID
                == Self.number)
    }

    @Test func noFromNumber() {
        var context = Self.context
        context.defaultPhoneNumberID = nil
        Self.expectOnly("fromPhoneNumberId", code: .noFromNumber, context: context) { _ in }
        // A draft without a sender is fine; it is resolved when submitted.
        #expect(Self.problems(Self.valid(), mode: .draft, context: context).isEmpty)
    }

    @Test func unknownMergeFieldsInMessageAndVariants() {
        Self.expectOnly("message") { $0.message = "Hi {{frstName}}" }
        Self.expectOnly("message") { $0.message = "Hi {{firstName" }
        // Custom keys of the org's contacts are allowed.
        #expect(
            Self.problems(
                {
                    var r = Self.valid()
                    r.message = "Level {{donorLevel}}"
                    return r
                }()
            ).isEmpty)
        let found = Self.problems(
            {
                var request = Self.valid()
                request.abTest = true
                request.messageVariantA = "A {{nope}}"
                request.messageVariantB = "B {{ZIP}}"
                return request
            }())
        #expect(found.map(\.field) == ["messageVariantA", "messageVariantB"])
        #expect(found[1].message.contains("did you mean {{zip}}"))
    }

    @Test func abTestNeedsBothVariants() {
        Self.expectOnly("messageVariantB") {
            $0.abTest = true
            $0.messageVariantA = "A"
        }
        let found = Self.problems(
            {
                var r = Self.valid()
                r.abTest = true
                r.messageVariantA = "  "
                return r
            }())
        #expect(found.map(\.field) == ["messageVariantA", "messageVariantB"])
        // Drafts may still be composing them.
        #expect(
            Self.problems(
                {
                    var r = Self.valid()
                    r.abTest = true
                    return r
                }(), mode: .draft
            ).isEmpty)
    }

    @Test func unknownTimezone() throws {
        Self.expectOnly("timezone", code: .unknownTimezone) { $0.timezone = "Mars/Olympus" }
        // The database's answer wins when present.
        var context = Self.context
        context.timezoneKnown = false
        Self.expectOnly("timezone", code: .unknownTimezone, context: context) { $0.timezone = "America/Chicago" }
        var request = Self.valid()
        request.timezone = "America/Chicago"
        #expect(
            try CampaignValidator.validate(request, mode: .submit, context: Self.context).get().timezone
                == "America/Chicago")
    }

    @Test func atMostFiveFAQs() {
        let faq = FAQReply(question: "q", answer: "a")
        Self.expectOnly("faqReplies") {
            $0.autoReply = true
            $0.faqReplies = Array(repeating: faq, count: 6)
        }
        #expect(
            Self.problems(
                {
                    var r = Self.valid()
                    r.autoReply = true
                    r.faqReplies = Array(repeating: faq, count: 5)
                    return r
                }()
            ).isEmpty)
        Self.expectOnly("faqReplies[1].answer") { $0.faqReplies = [faq, FAQReply(question: "q", answer: " ")] }
        Self.expectOnly("autoReply") { $0.autoReply = true }
    }

    @Test func bodyOver1600Characters() {
        Self.expectOnly("message") { $0.message = String(repeating: "a", count: 1601) }
        #expect(
            Self.problems(
                {
                    var r = Self.valid()
                    r.message = String(repeating: "a", count: 1600)
                    return r
                }()
            ).isEmpty)
        // UTF-16 code units, the unit of the limit: 801 emoji are 1,602 units.
        Self.expectOnly("message") { $0.message = String(repeating: "😀", count: 801) }
        Self.expectOnly("messageVariantA") {
            $0.abTest = true
            $0.messageVariantA = String(repeating: "b", count: 2000)
            $0.messageVariantB = "B"
        }
    }

    @Test func channelOnlyText() {
        Self.expectOnly("channel") { $0.channel = "whatsapp" }
        #expect(
            Self.problems(
                {
                    var r = Self.valid()
                    r.channel = "text"
                    return r
                }()
            ).isEmpty)
    }

    @Test func badForceRouteAndMedia() throws {
        Self.expectOnly("forceRoute") { $0.forceRoute = "FAX" }
        Self.expectOnly("mediaUrl") { $0.mediaURL = "ftp://x.test/a.png" }
        var request = Self.valid()
        request.forceRoute = "mms"
        request.mediaURL = "HTTPS://x.test/a.png"
        let spec = try CampaignValidator.validate(request, mode: .submit, context: Self.context).get()
        #expect(spec.forceRoute == .mms)
        #expect(spec.mediaURL == "https://x.test/a.png")
    }

    @Test func contactFilterProblemsNameTheirField() {
        let found = Self.problems(
            {
                var request = Self.valid()
                request.segmentID = nil
                request.contactFilter = Data(#"{"tag": ["vip"], "tagsLogic": "XOR", "state": ["North Carolina"]}"#.utf8)
                return request
            }())
        #expect(found.map(\.field) == ["contactFilter.tag", "contactFilter.tagsLogic", "contactFilter.state"])
    }

    @Test func scheduledForMustBeUTC() {
        Self.expectOnly("scheduledFor") { $0.scheduledFor = "2026-05-01T14:00:00+02:00" }
        Self.expectOnly("scheduledFor") { $0.scheduledFor = "next tuesday" }
        Self.expectOnly("scheduledFor") { $0.scheduledFor = "2026-02-30T10:00:00Z" }
    }

    @Test func nameAndMessageRequired() {
        Self.expectOnly("name") { $0.name = "  " }
        Self.expectOnly("message") { $0.message = nil }
        Self.expectOnly("name", mode: .draft) { $0.name = nil }
    }

    @Test func draftIDOnlyWhenSubmitting() {
        Self.expectOnly("draftId", mode: .draft) { $0.draftID = UUID() }
    }

    @Test func everyProblemIsReportedAtOnce() {
        var context = Self.context
        context.defaultPhoneNumberID = nil
        var request = CampaignRequest()
        request.message = "{{nope}}"
        request.channel = "sms"
        request.forceRoute = "X"
        request.timezone = "Nowhere/Land"
        request.scheduledFor = "soon"
        request.abTest = true
        request.faqReplies = Array(repeating: FAQReply(question: "q", answer: "a"), count: 6)
        let fields = Set(Self.problems(request, context: context).compactMap(\.field))
        #expect(
            fields == [
                "name", "channel", "forceRoute", "message", "segmentId", "fromPhoneNumberId", "scheduledFor",
                "timezone",
                "messageVariantA", "messageVariantB", "faqReplies",
            ])
    }
}
