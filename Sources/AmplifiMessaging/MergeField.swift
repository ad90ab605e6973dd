/// A field a merge template can insert: one of the contact's standard fields or a custom field key.
public enum MergeField: Hashable, Sendable, CustomStringConvertible {
    /// `{{firstName}}`, `{{lastName}}`, `{{email}}`, `{{phone}}`, `{{city}}`, `{{state}}`, `{{zip}}`.
    case standard(StandardMergeField)
    /// A key of the contact's `custom_fields`.
    case custom(String)

    /// The name as written in a template.
    public var description: String {
        switch self {
        case .standard(let field): field.rawValue
        case .custom(let key): key
        }
    }
}
