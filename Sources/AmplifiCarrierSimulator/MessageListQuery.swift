import AmplifiCarriers
import AmplifiMessaging
import Foundation

/// The filters and paging of `GET …/Messages.json`, parsed from the raw query string.
///
/// Twilio's `DateSent>=` and `DateSent<=` arrive as the keys `DateSent>` and `DateSent<` (the `=`
/// is the separator); dates are `YYYY-MM-DD` (a whole UTC day) or `YYYY-MM-DDTHH:MM:SSZ`. The
/// simulator sends at once, so a message's send date is its creation date.
struct MessageListQuery: Sendable {
    /// `To`, normalized to E.164 when it parses.
    var to: String?
    /// `From`.
    var from: String?
    /// Earliest creation time (inclusive).
    var notBefore: Date?
    /// Latest creation time (exclusive).
    var before: Date?
    /// `PageSize`, within 1…max.
    var pageSize: Int
    /// `Page` (client state only).
    var page: Int
    /// The decoded `PageToken`: only messages with a smaller index are listed.
    var pageToken: Int?
    /// The filter fields as received, to repeat them in `next_page_uri`.
    var filterFields: [(key: String, value: String)]

    /// A problem with the query, answered as Twilio's 400.
    struct Invalid: Error {
        let parameter: String
    }

    /// Parses `rawQuery` (`To=%2B1…&DateSent%3E=2026-01-02&PageSize=2`); page sizes above `maxPageSize` are cut.
    init(rawQuery: String, maxPageSize: Int) throws(Invalid) {
        pageSize = min(50, maxPageSize)
        page = 0
        filterFields = []
        for (key, value) in FormURLEncoding.decode(rawQuery) {
            switch key {
            case "To":
                to = (try? PhoneNumber(parsing: value).e164) ?? value
                filterFields.append((key, value))
            case "From":
                from = (try? PhoneNumber(parsing: value).e164) ?? value
                filterFields.append((key, value))
            case "DateSent", "DateSent>", "DateSent<":
                guard let range = Self.range(value) else { throw Invalid(parameter: key) }
                if key != "DateSent<" { notBefore = max(notBefore ?? range.lowerBound, range.lowerBound) }
                if key != "DateSent>" { before = min(before ?? range.upperBound, range.upperBound) }
                filterFields.append((key, value))
            case "PageSize":
                guard let size = Int(value), size >= 1 else { throw Invalid(parameter: key) }
                pageSize = min(size, maxPageSize)
            case "Page":
                guard let number = Int(value), number >= 0 else { throw Invalid(parameter: key) }
                page = number
            case "PageToken":
                guard value.hasPrefix("PA"), let index = Int(value.dropFirst(2)), index >= 0 else {
                    throw Invalid(parameter: key)
                }
                pageToken = index
            default:
                break
            }
        }
    }

    /// Whether `message` passes the filters.
    func matches(_ message: SimulatedMessage) -> Bool {
        if let to, message.to != to { return false }
        if let from, message.from != from { return false }
        if let notBefore, message.createdAt < notBefore { return false }
        if let before, message.createdAt >= before { return false }
        return true
    }

    /// The opaque token of the page that lists messages below `index`.
    static func token(below index: Int) -> String { "PA\(index)" }

    /// The query string of the page after this one, whose messages lie below `index`.
    func nextPageQuery(below index: Int) -> String {
        FormURLEncoding.encode(
            filterFields + [
                ("PageSize", String(pageSize)), ("Page", String(page + 1)), ("PageToken", Self.token(below: index)),
            ])
    }

    /// The query string of the first page.
    var firstPageQuery: String {
        FormURLEncoding.encode(filterFields + [("PageSize", String(pageSize)), ("Page", "0")])
    }

    /// `YYYY-MM-DD` as its whole UTC day, or an ISO 8601 instant as a one-second range.
    static func range(_ text: String) -> Range<Date>? {
        let parts = text.split(separator: "-", maxSplits: 2)
        if parts.count == 3, text.utf8.count == 10, let year = Int(parts[0]), let month = Int(parts[1]),
            let day = Int(parts[2]), (1...12).contains(month), (1...31).contains(day)
        {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            guard let start = calendar.date(from: DateComponents(year: year, month: month, day: day)) else {
                return nil
            }
            return start..<start.addingTimeInterval(86_400)
        }
        guard let instant = try? Date(text, strategy: .iso8601) else { return nil }
        return instant..<instant.addingTimeInterval(1)
    }
}
