/// A stable, machine-readable error code (the product's codes, e.g. VALIDATION_FAILED).
///
/// A struct rather than an enum, so a new code never breaks a caller's `switch`.
public struct AmplifiErrorCode: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The code as it appears in API responses and logs.
    public let rawValue: String

    /// Creates a code from its wire spelling.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    /// Creates a code from a string literal, e.g. `"VALIDATION_FAILED"`.
    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    /// The wire spelling of the code.
    public var description: String { rawValue }

    /// The input does not satisfy the documented rules.
    public static let validationFailed: Self = "VALIDATION_FAILED"
    /// The contact has opted out and cannot receive messages.
    public static let contactOptedOut: Self = "CONTACT_OPTED_OUT"
    /// The contact's number is confirmed non-textable.
    public static let contactNonTextable: Self = "CONTACT_NON_TEXTABLE"
    /// No contact exists with the given phone number.
    public static let contactNotFound: Self = "CONTACT_NOT_FOUND"
    /// The organization has no default sending number.
    public static let noFromNumber: Self = "NO_FROM_NUMBER"
    /// The organization lacks the credits (or active billing) for the send.
    public static let insufficientCredits: Self = "INSUFFICIENT_CREDITS"
    /// The requested resource does not exist in this organization.
    public static let notFound: Self = "NOT_FOUND"
    /// The caller may not act on the resource.
    public static let forbidden: Self = "FORBIDDEN"
    /// The request conflicts with the current state of the resource.
    public static let conflict: Self = "CONFLICT"
    /// A campaign status change that the lifecycle does not allow.
    public static let invalidTransition: Self = "INVALID_TRANSITION"
    /// An IANA timezone identifier that is not known.
    public static let unknownTimezone: Self = "UNKNOWN_TIMEZONE"
}

/// An error with a stable code and a message meant for a person.
///
/// `description` must never contain a phone number or a message body, except the
/// specific offending token the user typed (e.g. an unknown merge field name).
public protocol AmplifiError: Error, CustomStringConvertible, Sendable {
    /// The stable, machine-readable code.
    var code: AmplifiErrorCode { get }
    /// What is wrong and what to do about it, for a person.
    var message: String { get }
    /// Which input field the error is about, when known.
    var field: String? { get }
}

extension AmplifiError {
    /// No field by default.
    public var field: String? { nil }

    /// `CODE: message` (with the field when known).
    public var description: String {
        if let field {
            return "\(code): \(field): \(message)"
        }
        return "\(code): \(message)"
    }
}
