/// Turns a rendered body and its options into a ``MessagePlan`` (normalize, validate, route, segment, price).
public enum MessagePlanner {
    /// The longest body accepted, in UTF-16 code units (Twilio's limit is 1,600 characters;
    /// UTF-16 units are never fewer than characters, so anything accepted here Twilio accepts too).
    public static let maximumBodyLength = 1600

    /// Plans one message; `includeSegments` also returns the parts' text (skip it on the hot path).
    public static func plan(
        body: String,
        mediaURL: String? = nil,
        forceRoute: ForceRoute = .auto,
        normalizeText: Bool = true,
        includeSegments: Bool = false
    ) throws(MessageValidationError) -> MessagePlan {
        let media = try validatedMediaURL(mediaURL)
        let (text, changed) = normalizeText ? TextNormalizer.normalize(body) : (body, false)

        let length = text.utf16.count
        if length > maximumBodyLength {
            throw MessageValidationError(.bodyTooLong, detail: String(length))
        }
        let hasMedia = media != nil
        if text.isEmpty && !hasMedia {
            throw MessageValidationError(.emptyBody)
        }

        let (encoding, units) = MessageSegmenter.measure(text)
        var parts: [String] = []
        // SMS segments are counted unless the route is MMS whatever they are (media, or forced).
        let smsSegments =
            hasMedia || forceRoute == .mms
            ? 0
            : MessageSegmenter.forEachPart(of: text, encoding: encoding, units: units) {
                if includeSegments { parts.append(String(text[$0])) }
            }
        let route = MessageRoute.resolve(forceRoute: forceRoute, hasMedia: hasMedia, smsSegments: smsSegments)
        let segmentCount: Int
        switch route {
        case .sms:
            segmentCount = smsSegments
        case .mms:
            // An MMS is one message whatever its length.
            segmentCount = text.isEmpty ? 0 : 1
            parts = includeSegments && !text.isEmpty ? [text] : []
        }
        return MessagePlan(
            text: text,
            normalized: changed,
            encoding: encoding,
            route: route,
            segmentCount: segmentCount,
            segments: parts,
            credits: CreditCost.credits(route: route, segments: segmentCount),
            characterCount: length
        )
    }

    /// nil when there is no media (absent or blank); the trimmed URL when it is http(s); an error otherwise.
    private static func validatedMediaURL(_ url: String?) throws(MessageValidationError) -> Substring? {
        guard let url else { return nil }
        let trimmed = url.trimmingWhitespace()
        if trimmed.isEmpty { return nil }
        let lower = trimmed.prefix(8).lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), trimmed.utf8.count > 8,
            !trimmed.contains(where: { $0.isWhitespace })
        else {
            throw MessageValidationError(.invalidMediaURL)
        }
        return trimmed
    }
}
