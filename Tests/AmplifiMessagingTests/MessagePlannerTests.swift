import AmplifiMessaging
import Testing

@Suite("Message planning: routing, credits, validation")
struct MessagePlannerTests {
    @Test("AUTO: MMS only when the SMS would cost more than one MMS (more than two segments)")
    func autoPicksTheCheaperRoute() throws {
        // Two GSM-7 segments cost 2 either way: SMS.
        let two = try MessagePlanner.plan(body: String(repeating: "a", count: 306))
        #expect(two.route == .sms && two.segmentCount == 2 && two.credits == 2)
        // Three segments would cost 3: one MMS for 2.
        let three = try MessagePlanner.plan(body: String(repeating: "a", count: 307), includeSegments: true)
        #expect(three.route == .mms && three.segmentCount == 1 && three.credits == CreditCost.mmsCredits)
        #expect(three.segments == [String(repeating: "a", count: 307)])
        // A long UCS-2 text (70 emoji: 33 per segment, 3 segments) → MMS; forced SMS stays SMS at 3.
        let emoji = String(repeating: "😀", count: 70)
        #expect(try MessagePlanner.plan(body: emoji).route == .mms)
        let forced = try MessagePlanner.plan(body: emoji, forceRoute: .sms)
        #expect(forced.route == .sms && forced.credits == 3)
        // For every length up to the limit, AUTO never costs more than forcing either route.
        for length in stride(from: 1, through: 1_600, by: 37) {
            let text = String(repeating: "é", count: length)
            let auto = try MessagePlanner.plan(body: text).credits
            #expect(auto <= (try MessagePlanner.plan(body: text, forceRoute: .sms).credits))
            #expect(auto <= (try MessagePlanner.plan(body: text, forceRoute: .mms).credits))
        }
    }

    @Test("AUTO without media is SMS, billed per segment")
    func autoSMS() throws {
        let plan = try MessagePlanner.plan(body: String(repeating: "a", count: 161))
        #expect(plan.route == .sms)
        #expect(plan.encoding == .gsm7)
        #expect(plan.segmentCount == 2)
        #expect(plan.credits == 2)
        #expect(plan.segments.isEmpty)  // not requested
    }

    @Test(
        "Media means MMS whatever forceRoute says; MMS costs 2",
        arguments: ForceRoute.allCases)
    func mediaIsMMS(forceRoute: ForceRoute) throws {
        let plan = try MessagePlanner.plan(
            body: String(repeating: "a", count: 400), mediaURL: "https://example.com/a.jpg", forceRoute: forceRoute)
        #expect(plan.route == .mms)
        #expect(plan.credits == 2)
        #expect(plan.segmentCount == 1)
    }

    @Test("forceRoute without media")
    func forceRouteWithoutMedia() throws {
        #expect(try MessagePlanner.plan(body: "hi", forceRoute: .sms).route == .sms)
        #expect(try MessagePlanner.plan(body: "hi", forceRoute: .mms).route == .mms)
        #expect(try MessagePlanner.plan(body: "hi", forceRoute: .mms).credits == 2)
        #expect(try MessagePlanner.plan(body: "hi", forceRoute: .auto).credits == 1)
    }

    @Test("Normalization keeps a message in GSM-7 and one segment")
    func normalization() throws {
        let body = "\u{201C}Big sale\u{201D} \u{2014} it\u{2019}s on" + String(repeating: "!", count: 100)
        let on = try MessagePlanner.plan(body: body, includeSegments: true)
        #expect(on.encoding == .gsm7)
        #expect(on.normalized)
        #expect(on.segmentCount == 1)
        #expect(on.segments == [on.text])
        let off = try MessagePlanner.plan(body: body, normalizeText: false)
        #expect(off.encoding == .ucs2)
        #expect(!off.normalized)
        #expect(off.segmentCount == 2)
        #expect(off.text == body)
    }

    @Test("1,600 UTF-16 units is the limit")
    func bodyLimit() throws {
        #expect(try MessagePlanner.plan(body: String(repeating: "a", count: 1600)).characterCount == 1600)
        do {
            _ = try MessagePlanner.plan(body: String(repeating: "a", count: 1601))
            Issue.record("expected bodyTooLong")
        } catch {
            #expect(error.reason == .bodyTooLong)
            #expect(error.code == .validationFailed)
            #expect(error.message.contains("1601"))
            #expect(!error.description.contains("aaaa"))
        }
        // 800 emoji are 1,600 UTF-16 units: accepted; one more is not.
        #expect(throws: MessageValidationError.self) {
            try MessagePlanner.plan(body: String(repeating: "😀", count: 801))
        }
        // 33 emoji (66 units) per part.
        #expect(try MessagePlanner.plan(body: String(repeating: "😀", count: 800), forceRoute: .sms).segmentCount == 25)
        // The limit applies after normalization ("…" becomes "...").
        #expect(throws: MessageValidationError.self) {
            try MessagePlanner.plan(body: String(repeating: "\u{2026}", count: 600))
        }
        #expect(
            try MessagePlanner.plan(body: String(repeating: "\u{2026}", count: 600), normalizeText: false)
                .characterCount == 600)
    }

    @Test("Empty body is rejected unless there is media")
    func emptyBody() throws {
        #expect(throws: MessageValidationError(.emptyBody)) { try MessagePlanner.plan(body: "") }
        let plan = try MessagePlanner.plan(body: "", mediaURL: "https://example.com/a.png")
        #expect(plan.route == .mms)
        #expect(plan.credits == 2)
        #expect(plan.segmentCount == 0)
    }

    @Test("Media URL must be http(s); blank means none")
    func mediaURL() throws {
        #expect(throws: MessageValidationError(.invalidMediaURL)) {
            try MessagePlanner.plan(body: "x", mediaURL: "ftp://x/y")
        }
        #expect(throws: MessageValidationError(.invalidMediaURL)) {
            try MessagePlanner.plan(body: "x", mediaURL: "https://")
        }
        #expect(try MessagePlanner.plan(body: "x", mediaURL: "  ").route == .sms)
    }

    @Test("forceRoute parsing")
    func forceRouteParsing() throws {
        #expect(try ForceRoute(parsing: " mms ") == .mms)
        #expect(try ForceRoute(parsing: "Auto") == .auto)
        #expect(throws: MessageValidationError.self) { try ForceRoute(parsing: "FAX") }
        do {
            _ = try ForceRoute(parsing: "FAX")
        } catch {
            #expect(error.field == "forceRoute")
            #expect(error.message.contains("FAX"))
        }
    }

    @Test("Credit cost")
    func credits() {
        #expect(CreditCost.credits(route: .sms, segments: 3) == 3)
        #expect(CreditCost.credits(route: .mms, segments: 3) == 2)
    }
}
