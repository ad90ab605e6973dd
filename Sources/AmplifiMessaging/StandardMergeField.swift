/// The contact fields every template may use.
public enum StandardMergeField: String, Sendable, Hashable, CaseIterable, Codable {
    /// The contact's first name.
    case firstName
    /// The contact's last name.
    case lastName
    /// The contact's email address.
    case email
    /// The contact's phone number (E.164).
    case phone
    /// The contact's city.
    case city
    /// The contact's two-letter state code.
    case state
    /// The contact's ZIP code.
    case zip
}
