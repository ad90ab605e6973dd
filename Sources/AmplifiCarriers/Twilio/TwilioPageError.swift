public import AmplifiMessaging

/// Why a walk over Twilio's list pages stopped: a `next_page_uri` leading off the configured API
/// host, or more pages than the cap. Either way the listing is incomplete, so nothing may be
/// concluded from it (a settlement that found no match could otherwise send a message twice).
public struct TwilioPageError: AmplifiError, Hashable {
    /// `CARRIER_FOREIGN_NEXT_PAGE`: a `next_page_uri` points at another scheme, host or port.
    public static let foreignNextPageCode: AmplifiErrorCode = "CARRIER_FOREIGN_NEXT_PAGE"
    /// `CARRIER_PAGE_LIMIT`: the list has more pages than the configured cap.
    public static let pageLimitCode: AmplifiErrorCode = "CARRIER_PAGE_LIMIT"

    /// The stable code.
    public let code: AmplifiErrorCode
    /// What happened and what to do.
    public let message: String

    /// The `next_page_uri` does not stay on `base`'s origin (the URI itself is not repeated: it is
    /// the carrier's text, and following it would have sent our credentials elsewhere).
    public static func foreignNextPage(base: String) -> TwilioPageError {
        TwilioPageError(
            code: foreignNextPageCode,
            message: "the carrier's next_page_uri leads off \(base) (another scheme, host or port); "
                + "it was not followed. Check TWILIO_BASE_URL and the carrier's responses")
    }

    /// The list went on past `limit` pages.
    public static func pageLimit(_ limit: Int) -> TwilioPageError {
        TwilioPageError(
            code: pageLimitCode,
            message: "the carrier's message list has more than \(limit) pages; the walk stopped there. "
                + "Raise the page cap (TwilioCarrierConfiguration.maxListPages) if the listing is genuine")
    }
}
