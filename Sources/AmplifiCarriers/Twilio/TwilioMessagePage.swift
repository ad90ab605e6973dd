public import Foundation

/// One page of Twilio's `GET …/Messages.json` (list, e.g. by `To` and `DateSent>=` for backfill).
public struct TwilioMessagePage: Hashable, Sendable, Decodable {
    /// `messages`.
    public var messages: [TwilioMessageResource]
    /// `next_page_uri`, relative to the API host; nil on the last page.
    public var nextPageURI: String?
    /// `page`.
    public var page: Int?
    /// `page_size`.
    public var pageSize: Int?

    /// Twilio's JSON keys.
    private enum CodingKeys: String, CodingKey {
        case messages, page
        case nextPageURI = "next_page_uri"
        case pageSize = "page_size"
    }

    /// Decodes one page from a JSON response body.
    public static func decode(json: Data) throws -> TwilioMessagePage {
        try JSONDecoder().decode(TwilioMessagePage.self, from: json)
    }
}
