/// Why a phone number could not be normalized to E.164.
///
/// The message names the problem (and at most the one offending character);
/// it never repeats the number itself.
public struct PhoneNumberError: AmplifiError, Hashable {
    /// The kind of problem, open to new kinds without breaking callers.
    public struct Reason: Hashable, Sendable, CustomStringConvertible {
        /// A stable identifier for the reason.
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// The input is empty or only whitespace.
        public static let empty = Reason("empty")
        /// The input contains letters (vanity numbers are not accepted).
        public static let containsLetters = Reason("containsLetters")
        /// The input carries an extension (`x123`, `ext. 9`, `#5`).
        public static let hasExtension = Reason("hasExtension")
        /// The input contains a character that is neither a digit nor a separator.
        public static let invalidCharacter = Reason("invalidCharacter")
        /// The number of digits is not valid for the number's form.
        public static let wrongDigitCount = Reason("wrongDigitCount")
        /// The US area code breaks NANP rules (starts with 0/1, or is N11).
        public static let invalidAreaCode = Reason("invalidAreaCode")
        /// The US exchange (central office code) starts with 0 or 1.
        public static let invalidExchange = Reason("invalidExchange")
        /// An international number's country code starts with 0.
        public static let invalidCountryCode = Reason("invalidCountryCode")
        /// `+` appears somewhere other than the start.
        public static let misplacedPlus = Reason("misplacedPlus")

        /// The identifier.
        public var description: String { rawValue }
    }

    /// What is wrong.
    public let reason: Reason
    /// A detail for the message: the digit count or the offending character.
    public let detail: String?

    /// Creates an error for `reason`, with an optional detail for the message.
    public init(_ reason: Reason, detail: String? = nil) {
        self.reason = reason
        self.detail = detail
    }

    /// Always `VALIDATION_FAILED`.
    public var code: AmplifiErrorCode { .validationFailed }
    /// The phone field.
    public var field: String? { "phone" }

    /// What is wrong and how to fix it.
    public var message: String {
        switch reason {
        case .empty:
            return "phone number is empty; give a US number like (919) 555-1234 or an E.164 number like +442079460958"
        case .containsLetters:
            return "phone number contains letters; write it with digits only"
        case .hasExtension:
            return "phone number has an extension; extensions cannot receive text messages, remove it"
        case .invalidCharacter:
            return
                "phone number contains the character \(detail.map { "'\($0)'" } ?? "shown"); use digits with optional spaces, dashes, dots or parentheses"
        case .wrongDigitCount:
            return
                "phone number has \(detail ?? "a wrong number of") digits; a US number has 10 digits (11 with a leading 1), an international E.164 number 8 to 15 after '+'"
        case .invalidAreaCode:
            return "phone number has an invalid US area code; it must start with 2-9 and cannot be an N11 service code"
        case .invalidExchange:
            return "phone number has an invalid US exchange; the three digits after the area code must start with 2-9"
        case .invalidCountryCode:
            return "phone number has an invalid country code; the first digit after '+' cannot be 0"
        case .misplacedPlus:
            return "phone number has '+' in the wrong place; '+' may only start the number"
        default:
            return "phone number is invalid (\(reason))"
        }
    }
}
