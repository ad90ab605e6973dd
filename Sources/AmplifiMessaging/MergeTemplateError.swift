/// Why a merge template could not be parsed; names the field or brace and its position.
public struct MergeTemplateError: AmplifiError, Hashable {
    /// The kind of problem, open to new kinds without breaking callers.
    public struct Reason: Hashable, Sendable, CustomStringConvertible {
        /// A stable identifier for the reason.
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// `{{name}}` where name is neither a standard field nor an allowed custom key.
        public static let unknownField = Reason("unknownField")
        /// `{{` with no matching `}}`.
        public static let unclosedBraces = Reason("unclosedBraces")
        /// `{{}}` or `{{ |fallback}}`: no field name.
        public static let emptyField = Reason("emptyField")
        /// `}}` with no `{{` before it.
        public static let strayClosingBraces = Reason("strayClosingBraces")

        /// The identifier.
        public var description: String { rawValue }
    }

    /// What is wrong.
    public let reason: Reason
    /// The offending field name as written (for ``Reason/unknownField``).
    public let name: String?
    /// 1-based position, in characters, of the offending `{{` or `}}` in the template.
    public let position: Int
    /// A standard field whose spelling differs only in case, offered as a fix.
    public let suggestion: String?

    /// Creates an error at `position` (1-based, in characters).
    public init(_ reason: Reason, position: Int, name: String? = nil, suggestion: String? = nil) {
        self.reason = reason
        self.position = position
        self.name = name
        self.suggestion = suggestion
    }

    /// Always `VALIDATION_FAILED`.
    public var code: AmplifiErrorCode { .validationFailed }
    /// The message body.
    public var field: String? { "message" }

    /// What is wrong and how to fix it.
    public var message: String {
        switch reason {
        case .unknownField:
            let fix =
                suggestion.map { "; did you mean {{\($0)}}?" }
                ?? "; use firstName, lastName, email, phone, city, state, zip or a custom field your contacts have"
            return "unknown merge field '\(name ?? "")' at character \(position)\(fix)"
        case .unclosedBraces:
            return "'{{' at character \(position) is never closed; add '}}' after the field name"
        case .emptyField:
            return "empty merge field at character \(position); put a field name between the braces, e.g. {{firstName}}"
        case .strayClosingBraces:
            return "'}}' at character \(position) has no matching '{{'; remove it or open the field with '{{'"
        default:
            return "merge template is invalid at character \(position) (\(reason))"
        }
    }
}
