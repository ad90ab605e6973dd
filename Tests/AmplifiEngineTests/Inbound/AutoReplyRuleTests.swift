import AmplifiEngine
import AmplifiMessaging
import Testing

@Suite("Auto-reply choice")
struct AutoReplyRuleTests {
    let settings = AutoReplySettings(
        enabled: true, yesResponse: "See you!", noResponse: "Okay.",
        faqs: [
            FAQReply(question: "Where do you vote?", answer: "At the library."),
            FAQReply(question: "hours", answer: "9 to 5."),
            FAQReply(question: "vote", answer: "Second match, never used for 'where do you vote'."),
        ])

    @Test func yesAndNoAnswers() {
        #expect(AutoReplyRule.choose(body: " yes! ", keyword: .reply, settings: settings)?.text == "See you!")
        #expect(AutoReplyRule.choose(body: "Y", keyword: .reply, settings: settings)?.trigger == .yes)
        #expect(AutoReplyRule.choose(body: "nope", keyword: .reply, settings: settings)?.trigger == .no)
        #expect(AutoReplyRule.choose(body: "yes please", keyword: .reply, settings: settings) == nil)
    }

    @Test func faqNeedsEveryQuestionWordAndTheFirstMatchWins() {
        let choice = AutoReplyRule.choose(body: "so WHERE do you vote on Tuesday?", keyword: .reply, settings: settings)
        #expect(choice?.trigger == .faq(index: 0))
        #expect(choice?.text == "At the library.")
        #expect(
            AutoReplyRule.choose(body: "where do I vote", keyword: .reply, settings: settings)?.trigger
                == .faq(index: 2))
        #expect(
            AutoReplyRule.choose(body: "What are your HOURS?", keyword: .reply, settings: settings)?.trigger
                == .faq(index: 1))
        #expect(AutoReplyRule.choose(body: "hour", keyword: .reply, settings: settings) == nil)
        #expect(AutoReplyRule.choose(body: "Thanks", keyword: .reply, settings: settings) == nil)
    }

    @Test func accentsAndPunctuationAreIgnored() {
        let faq = AutoReplySettings(enabled: true, faqs: [FAQReply(question: "Café hours?", answer: "8 am.")])
        #expect(AutoReplyRule.choose(body: "cafe's HOURS", keyword: .reply, settings: faq)?.text == "8 am.")
        #expect(AutoReplyRule.words("What's up, Zoë?") == ["what", "s", "up", "zoe"])
    }

    @Test func keywordsDisabledCampaignsAndBlankResponsesGetNothing() {
        for keyword in [InboundKeyword.optOut, .optIn, .help] {
            #expect(AutoReplyRule.choose(body: "yes", keyword: keyword, settings: settings) == nil)
        }
        var off = settings
        off.enabled = false
        #expect(AutoReplyRule.choose(body: "yes", keyword: .reply, settings: off) == nil)
        let blank = AutoReplySettings(
            enabled: true, yesResponse: "  ", noResponse: nil,
            faqs: [FAQReply(question: "?!", answer: "never"), FAQReply(question: "hours", answer: " ")])
        #expect(AutoReplyRule.choose(body: "yes", keyword: .reply, settings: blank) == nil)
        #expect(AutoReplyRule.choose(body: "no", keyword: .reply, settings: blank) == nil)
        #expect(AutoReplyRule.choose(body: "hours ?!", keyword: .reply, settings: blank) == nil)
    }
}
