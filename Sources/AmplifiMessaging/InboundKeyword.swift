/// What an inbound message means for the contact's subscription.
public enum InboundKeyword: String, Sendable, Hashable, Codable, CaseIterable {
    /// STOP and its synonyms: opt the contact out at once.
    case optOut
    /// START, UNSTOP, or YES from an opted-out contact: opt back in.
    case optIn
    /// HELP or INFO: answer with the help message.
    case help
    /// Anything else: an ordinary reply for the inbox.
    case reply

    /// Opt-out keywords (CTIA / carrier list).
    public static let optOutKeywords: Set<String> = [
        "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
    ]
    /// Keywords that always opt in.
    public static let optInKeywords: Set<String> = ["START", "UNSTOP"]
    /// Opts in only a contact who has opted out; otherwise an ordinary reply.
    public static let conditionalOptInKeyword = "YES"
    /// Help keywords.
    public static let helpKeywords: Set<String> = ["HELP", "INFO"]

    /// Classifies a whole inbound message (case, spaces and punctuation ignored; "please stop" is a reply).
    public static func classify(_ text: String, contactIsOptedOut: Bool) -> InboundKeyword {
        guard let word = KeywordText.folded(text), !word.isEmpty else { return .reply }
        if optOutKeywords.contains(word) { return .optOut }
        if optInKeywords.contains(word) { return .optIn }
        if word == conditionalOptInKeyword { return contactIsOptedOut ? .optIn : .reply }
        if helpKeywords.contains(word) { return .help }
        return .reply
    }
}
