/// Why quiet hours could not be evaluated for a recipient.
public struct QuietHoursError: AmplifiError, Hashable {
    /// The kind of problem, open to new kinds without breaking callers.
    public struct Reason: Hashable, Sendable, CustomStringConvertible {
        /// A stable identifier for the reason.
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// The IANA identifier is not a known timezone.
        public static let unknownTimezone = Reason("unknownTimezone")
        /// None of contact, campaign and organization has a timezone.
        public static let missingTimezone = Reason("missingTimezone")
        /// A window whose start is not before its end.
        public static let invalidWindow = Reason("invalidWindow")
        /// The organization's window and the state's window do not overlap.
        public static let emptyWindow = Reason("emptyWindow")

        /// The identifier.
        public var description: String { rawValue }
    }

    /// What is wrong.
    public let reason: Reason
    /// The offending value (timezone identifier, window or state code).
    public let detail: String?
    /// Which input the error is about (e.g. `contact.timezone`).
    public let field: String?

    /// Creates an error for `reason`.
    public init(_ reason: Reason, detail: String? = nil, field: String? = nil) {
        self.reason = reason
        self.detail = detail
        self.field = field
    }

    /// `UNKNOWN_TIMEZONE` for timezone problems, else `VALIDATION_FAILED`.
    public var code: AmplifiErrorCode {
        reason == .unknownTimezone || reason == .missingTimezone ? .unknownTimezone : .validationFailed
    }

    /// What is wrong and how to fix it.
    public var message: String {
        switch reason {
        case .unknownTimezone:
            return "timezone '\(detail ?? "")' is not a known IANA timezone; use an identifier like America/New_York"
        case .missingTimezone:
            return
                "no timezone for the recipient: neither contact, campaign nor organization has one; set the organization's timezone"
        case .invalidWindow:
            return "send window \(detail ?? "") is invalid; its start must be before its end, on the same day"
        case .emptyWindow:
            return
                "the organization's send window does not overlap the legal window for state \(detail ?? "?"); widen the organization's window"
        default:
            return "quiet hours cannot be evaluated (\(reason))"
        }
    }
}
