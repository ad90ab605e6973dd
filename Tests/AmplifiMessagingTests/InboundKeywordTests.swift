import AmplifiMessaging
import Testing

@Suite("Inbound keywords")
struct InboundKeywordTests {
    @Test(
        "Opt-out keywords, any case, spaces and punctuation",
        arguments: [
            "STOP", "stop", " Stop. ", "STOP!!!", "stopall", "Stop All", "UNSUBSCRIBE", "cancel", "End", "quit",
            "revoke", "OPTOUT", "opt-out", "Opt out", "\"stop\"", "STOP 🛑", "ＳＴＯＰ",
        ])
    func optOut(text: String) {
        #expect(InboundKeyword.classify(text, contactIsOptedOut: false) == .optOut)
        #expect(InboundKeyword.classify(text, contactIsOptedOut: true) == .optOut)
    }

    @Test("Opt-in keywords", arguments: ["START", "start", "Unstop!"])
    func optIn(text: String) {
        #expect(InboundKeyword.classify(text, contactIsOptedOut: true) == .optIn)
        #expect(InboundKeyword.classify(text, contactIsOptedOut: false) == .optIn)
    }

    @Test("YES re-subscribes only an opted-out contact")
    func yes() {
        #expect(InboundKeyword.classify("Yes!", contactIsOptedOut: true) == .optIn)
        #expect(InboundKeyword.classify("yes", contactIsOptedOut: false) == .reply)
    }

    @Test("Help keywords", arguments: ["HELP", "help?", " Info "])
    func help(text: String) {
        #expect(InboundKeyword.classify(text, contactIsOptedOut: false) == .help)
    }

    @Test(
        "Whole-message match only",
        arguments: [
            "please don't stop", "stop sending me these", "I will be there at the end", "", "   ", "!!!",
            "helpful", "stopp", "Can you help me?", String(repeating: "stop ", count: 100),
        ])
    func reply(text: String) {
        #expect(InboundKeyword.classify(text, contactIsOptedOut: false) == .reply)
    }

    @Test("Yes/no answers")
    func yesNo() {
        for word in ["YES", "y", "Yeah!", "yep", "Sure.", "ok", "Okay"] { #expect(YesNoAnswer.classify(word) == .yes) }
        for word in ["NO", "n", "Nope", "nah."] { #expect(YesNoAnswer.classify(word) == .no) }
        for word in ["maybe", "yes please", "no way", "stop", ""] { #expect(YesNoAnswer.classify(word) == nil) }
    }
}
