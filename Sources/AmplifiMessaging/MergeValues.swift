/// The values one contact supplies to a merge template.
public struct MergeValues: Sendable, Hashable {
    /// First name.
    public var firstName: String?
    /// Last name.
    public var lastName: String?
    /// Email address.
    public var email: String?
    /// Phone number.
    public var phone: String?
    /// City.
    public var city: String?
    /// State code.
    public var state: String?
    /// ZIP code.
    public var zip: String?
    /// Custom field values by key.
    public var customFields: [String: String]

    /// Creates the values of one contact; every field is optional.
    public init(
        firstName: String? = nil, lastName: String? = nil, email: String? = nil, phone: String? = nil,
        city: String? = nil, state: String? = nil, zip: String? = nil, customFields: [String: String] = [:]
    ) {
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.phone = phone
        self.city = city
        self.state = state
        self.zip = zip
        self.customFields = customFields
    }

    /// The value of `field`, or nil when the contact has none.
    public subscript(field: MergeField) -> String? {
        switch field {
        case .standard(let standard):
            switch standard {
            case .firstName: firstName
            case .lastName: lastName
            case .email: email
            case .phone: phone
            case .city: city
            case .state: state
            case .zip: zip
            }
        case .custom(let key):
            customFields[key]
        }
    }
}
