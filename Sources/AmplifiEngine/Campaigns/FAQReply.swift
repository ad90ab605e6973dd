/// One automatic FAQ reply of a campaign: when an inbound message matches `question`, reply `answer`.
public struct FAQReply: Sendable, Hashable, Codable {
    /// The question (or keyword) a reply is matched against.
    public var question: String
    /// The reply sent back.
    public var answer: String

    /// Creates a pair.
    public init(question: String, answer: String) {
        self.question = question
        self.answer = answer
    }
}
