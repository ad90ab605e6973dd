import Foundation

/// Follows Twilio's `next_page_uri` from page to page, refusing a next page off the configured
/// base URL's origin (scheme, host and port) and stopping with an error past a page cap.
public struct TwilioPageWalk: Sendable {
    /// The configured base URL, e.g. `https://api.twilio.com`.
    public let baseURL: String
    /// The most pages the walk fetches.
    public let maxPages: Int
    /// Pages handed out so far.
    public private(set) var pages = 0
    private let origin: Origin?

    /// Scheme, host and port of an http(s) URL, lower-cased, with the scheme's default port filled in.
    struct Origin: Hashable {
        var scheme: String
        var host: String
        var port: Int

        /// The origin of `text`, or nil when it is not an absolute http(s) URL with a host and no user info.
        init?(_ text: String) {
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
                scheme == "http" || scheme == "https", let host = url.host?.lowercased(), !host.isEmpty,
                url.user == nil, url.password == nil
            else { return nil }
            self.scheme = scheme
            self.host = host
            self.port = url.port ?? (scheme == "https" ? 443 : 80)
        }
    }

    /// A walk starting from a first page on `baseURL`, at most `maxPages` pages (at least 1).
    public init(baseURL: String, maxPages: Int) {
        self.baseURL = baseURL
        self.maxPages = max(1, maxPages)
        self.origin = Origin(baseURL)
    }

    /// Counts one more page to fetch; throws `CARRIER_PAGE_LIMIT` past the cap.
    public mutating func countPage() throws(TwilioPageError) {
        guard pages < maxPages else { throw .pageLimit(maxPages) }
        pages += 1
    }

    /// The URL of the page after one whose `next_page_uri` is `nextPageURI`: nil on the last page
    /// (no URI, or an empty one). A path (`/2010-04-01/…`) is resolved against the base URL; an
    /// absolute URL must have the base URL's origin. Throws `CARRIER_FOREIGN_NEXT_PAGE` otherwise.
    public func url(after nextPageURI: String?) throws(TwilioPageError) -> String? {
        guard let nextPageURI, !nextPageURI.isEmpty else { return nil }
        let candidate =
            nextPageURI.hasPrefix("/") && !nextPageURI.hasPrefix("//") ? baseURL + nextPageURI : nextPageURI
        guard let origin, Origin(candidate) == origin else { throw .foreignNextPage(base: baseURL) }
        return candidate
    }
}
