/// Everything the send pipeline needs to know about one message body: final text, encoding, route, segments, credits.
public struct MessagePlan: Hashable, Sendable {
    /// The text to send (normalized when `normalizeText` was on).
    public let text: String
    /// Whether normalization changed the text.
    public let normalized: Bool
    /// GSM-7 or UCS-2 (what the text needs as SMS; informative for MMS).
    public let encoding: MessageEncoding
    /// SMS or MMS.
    public let route: MessageRoute
    /// SMS segments (1 for MMS, which is one message; 0 for an MMS without text).
    public let segmentCount: Int
    /// The parts of the text as sent, when requested (empty otherwise).
    public let segments: [String]
    /// Credits the message costs.
    public let credits: Int
    /// Length of `text` in UTF-16 code units — the unit of the 1,600 limit.
    public let characterCount: Int
}
