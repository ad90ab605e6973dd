/// A yes or no answer to a campaign question, for auto-replies.
public enum YesNoAnswer: String, Sendable, Hashable, Codable, CaseIterable {
    /// YES, Y, YEAH, YEP, SURE, OK, OKAY.
    case yes
    /// NO, N, NOPE, NAH.
    case no

    /// Words read as yes.
    public static let yesWords: Set<String> = ["YES", "Y", "YEAH", "YEP", "YUP", "SURE", "OK", "OKAY"]
    /// Words read as no.
    public static let noWords: Set<String> = ["NO", "N", "NOPE", "NAH"]

    /// The answer when the whole message is a yes or no word (case, spaces and punctuation ignored), else nil.
    public static func classify(_ text: String) -> YesNoAnswer? {
        guard let word = KeywordText.folded(text) else { return nil }
        if yesWords.contains(word) { return .yes }
        if noWords.contains(word) { return .no }
        return nil
    }
}
