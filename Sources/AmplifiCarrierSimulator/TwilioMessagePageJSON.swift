import AmplifiCarriers

/// One page of `GET …/Messages.json` in Twilio's wire format, readable by `TwilioMessagePage`.
struct TwilioMessagePageJSON: Encodable {
    let messages: [TwilioMessageResource]
    let page: Int
    let pageSize: Int
    let uri: String
    let firstPageURI: String
    let nextPageURI: String?

    private enum Key: String, CodingKey {
        case messages, page, uri, start, end
        case pageSize = "page_size"
        case firstPageURI = "first_page_uri"
        case nextPageURI = "next_page_uri"
        case previousPageURI = "previous_page_uri"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(messages, forKey: .messages)
        try c.encode(page, forKey: .page)
        try c.encode(pageSize, forKey: .pageSize)
        try c.encode(page * pageSize, forKey: .start)
        try c.encode(page * pageSize + max(0, messages.count - 1), forKey: .end)
        try c.encode(uri, forKey: .uri)
        try c.encode(firstPageURI, forKey: .firstPageURI)
        try c.encode(nextPageURI, forKey: .nextPageURI)
        try c.encode(String?.none, forKey: .previousPageURI)
    }
}
