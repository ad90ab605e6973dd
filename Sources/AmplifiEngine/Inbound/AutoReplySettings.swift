/// A campaign's automatic-reply settings (`auto_reply`, `yes_response`, `no_response`, `faq_replies`).
public struct AutoReplySettings: Sendable, Hashable {
    /// `auto_reply`: whether the campaign answers at all.
    public var enabled: Bool
    /// Sent for a yes answer.
    public var yesResponse: String?
    /// Sent for a no answer.
    public var noResponse: String?
    /// Question/answer pairs, in the campaign's order (the first match wins).
    public var faqs: [FAQReply]

    /// Settings.
    public init(enabled: Bool, yesResponse: String? = nil, noResponse: String? = nil, faqs: [FAQReply] = []) {
        self.enabled = enabled
        self.yesResponse = yesResponse
        self.noResponse = noResponse
        self.faqs = faqs
    }
}
