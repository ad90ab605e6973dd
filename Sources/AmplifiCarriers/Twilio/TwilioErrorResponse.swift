public import Foundation

/// Twilio's error body: `{"code": 21211, "message": …, "more_info": …, "status": 400}`.
public struct TwilioErrorResponse: Hashable, Sendable, Decodable {
    /// `code`: Twilio's error code, when given.
    public var code: Int?
    /// `message` (may name the recipient: never log it).
    public var message: String?
    /// `more_info`: the documentation link.
    public var moreInfo: String?
    /// `status`: the HTTP status.
    public var status: Int?

    /// Twilio's JSON keys.
    private enum CodingKeys: String, CodingKey {
        case code, message, status
        case moreInfo = "more_info"
    }

    /// The classified error for this body received with HTTP `httpStatus`.
    public func carrierError(httpStatus: Int, retryAfter: Duration? = nil, concurrentRequests: Int? = nil)
        -> CarrierError
    {
        guard let code else {
            return .http(status: httpStatus, retryAfter: retryAfter, concurrentRequests: concurrentRequests)
        }
        return CarrierError(
            twilioCode: code, httpStatus: httpStatus, retryAfter: retryAfter, moreInfo: moreInfo,
            concurrentRequests: concurrentRequests)
    }

    /// Classifies a failed HTTP response: Twilio's error JSON when the body is one, else `http_<status>`.
    /// `retryAfter` is the `Retry-After` header (seconds or an HTTP date, relative to `now`);
    /// `concurrentRequestsHeader` is `Twilio-Concurrent-Requests` (kept when it is a count).
    public static func carrierError(
        httpStatus: Int, body: Data, retryAfterHeader: String? = nil, concurrentRequestsHeader: String? = nil,
        now: Date = Date()
    ) -> CarrierError {
        let retryAfter = retryAfterHeader.flatMap { parseRetryAfter($0, now: now) }
        let concurrent = concurrentRequestsHeader.flatMap(parseConcurrentRequests)
        if let response = try? JSONDecoder().decode(TwilioErrorResponse.self, from: body) {
            return response.carrierError(httpStatus: httpStatus, retryAfter: retryAfter, concurrentRequests: concurrent)
        }
        return .http(status: httpStatus, retryAfter: retryAfter, concurrentRequests: concurrent)
    }

    /// A `Twilio-Concurrent-Requests` value: a count of 0…10,000,000; nil for anything else.
    public static func parseConcurrentRequests(_ header: String) -> Int? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard (1...8).contains(trimmed.utf8.count),
            trimmed.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let value = Int(trimmed),
            value <= 10_000_000
        else { return nil }
        return value
    }

    /// A `Retry-After` value: delay seconds (`"30"`) or an HTTP date, capped at
    /// `CarrierError.maxRetryAfter`; nil when neither (a negative or non-numeric value).
    ///
    /// Never traps: digits are read with saturating arithmetic (`"99999999999999999999"` is the cap),
    /// and a date far ahead is capped before it becomes a `Duration`.
    public static func parseRetryAfter(_ header: String, now: Date) -> Duration? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        let cap = CarrierError.maxRetryAfter.components.seconds
        if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            var seconds: Int64 = 0
            for digit in trimmed.utf8 {
                seconds = min(seconds * 10 + Int64(digit - UInt8(ascii: "0")), cap + 1)
            }
            return CarrierError.capped(.seconds(seconds))
        }
        guard let date = RFC2822Date.parse(trimmed) else { return nil }
        let delay = date.timeIntervalSince(now)
        guard delay.isFinite else { return nil }
        let millis = min(max(0, delay), Double(cap)) * 1_000
        return .milliseconds(Int64(millis.rounded()))
    }
}
