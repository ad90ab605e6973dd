public import AmplifiMessaging
import Foundation

/// Chooses a campaign's automatic reply to an inbound message. Pure: no I/O, no clock.
///
/// The rule, in order:
/// 1. Nothing unless the campaign has `auto_reply` on and the message is an ordinary reply
///    (``InboundKeyword/reply``): opt-out, opt-in and help messages are never auto-answered.
/// 2. A yes answer (``YesNoAnswer``: the whole message is YES, Y, SURE, OK, ...) gets
///    `yes_response`, a no answer `no_response`; a blank or missing response means no reply
///    (a yes/no answer is never matched against the FAQs).
/// 3. Otherwise the FIRST FAQ whose question's words all appear among the message's words,
///    compared case- and accent-insensitively, words being runs of letters and digits
///    (punctuation and word order ignored): the FAQ "Where do you vote?" answers "so where do
///    you vote on Tuesday" but not "where do I vote" ("you" is missing). A question that is one
///    keyword ("hours") answers any message containing that word. A question with no words, or
///    a blank answer, never matches.
public enum AutoReplyRule {
    /// The reply to `body` under `settings`, or nil when the campaign does not answer it.
    public static func choose(
        body: String, keyword: InboundKeyword, settings: AutoReplySettings
    ) -> (trigger: AutoReplyTrigger, text: String)? {
        guard settings.enabled, keyword == .reply else { return nil }
        switch YesNoAnswer.classify(body) {
        case .yes: return nonBlank(settings.yesResponse).map { (.yes, $0) }
        case .no: return nonBlank(settings.noResponse).map { (.no, $0) }
        case nil: break
        }
        let messageWords = Set(words(body))
        guard !messageWords.isEmpty else { return nil }
        for (index, faq) in settings.faqs.enumerated() {
            guard let answer = nonBlank(faq.answer) else { continue }
            let questionWords = words(faq.question)
            if !questionWords.isEmpty, questionWords.allSatisfy(messageWords.contains) {
                return (.faq(index: index), answer)
            }
        }
        return nil
    }

    /// The folded words of `text`: lower-cased, accents removed, split on anything that is not a
    /// letter or a digit (`"What's up?"` → `["what", "s", "up"]`).
    public static func words(_ text: String) -> [String] {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .split { !($0.isLetter || $0.isNumber) }
            .map(String.init)
    }

    static func nonBlank(_ text: String?) -> String? {
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        return text
    }
}
