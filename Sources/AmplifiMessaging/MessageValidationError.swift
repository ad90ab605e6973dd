/// Why a message body or its sending options were rejected.
///
/// Never contains the body itself.
public struct MessageValidationError: AmplifiError, Hashable {
    /// The kind of problem, open to new kinds without breaking callers.
    public struct Reason: Hashable, Sendable, CustomStringConvertible {
        /// A stable identifier for the reason.
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// The body is empty and there is no media.
        public static let emptyBody = Reason("emptyBody")
        /// The body is longer than ``MessagePlanner/maximumBodyLength``.
        public static let bodyTooLong = Reason("bodyTooLong")
        /// `forceRoute` is not AUTO, SMS or MMS.
        public static let invalidForceRoute = Reason("invalidForceRoute")
        /// The media URL is empty or not an http(s) URL.
        public static let invalidMediaURL = Reason("invalidMediaURL")

        /// The identifier.
        public var description: String { rawValue }
    }

    /// What is wrong.
    public let reason: Reason
    /// A detail for the message (a length, or the offending option value).
    public let detail: String?

    /// Creates an error for `reason`, with an optional detail for the message.
    public init(_ reason: Reason, detail: String? = nil) {
        self.reason = reason
        self.detail = detail
    }

    /// Always `VALIDATION_FAILED`.
    public var code: AmplifiErrorCode { .validationFailed }

    /// The input field concerned.
    public var field: String? {
        switch reason {
        case .invalidForceRoute: "forceRoute"
        case .invalidMediaURL: "mediaUrl"
        default: "message"
        }
    }

    /// What is wrong and how to fix it.
    public var message: String {
        switch reason {
        case .emptyBody:
            return "message is empty; write a message body or attach media"
        case .bodyTooLong:
            return
                "message is \(detail ?? "too many") characters (UTF-16 code units) long; the limit is \(MessagePlanner.maximumBodyLength), shorten it"
        case .invalidForceRoute:
            return "forceRoute '\(detail ?? "")' is not valid; use AUTO, SMS or MMS"
        case .invalidMediaURL:
            return "mediaUrl must be a public http or https URL"
        default:
            return "message is invalid (\(reason))"
        }
    }
}
