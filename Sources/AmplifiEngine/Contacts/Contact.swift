public import Foundation

/// One contact of an organization as the API shows it (`contacts`): who, where, the tags and
/// custom fields campaigns use, and whether texts may reach them.
public struct Contact: Sendable, Equatable, Encodable {
    public var id: UUID
    /// E.164, or nil for a contact known only by email.
    public var phone: String?
    public var firstName: String?
    public var lastName: String?
    public var email: String?
    public var address: String?
    public var city: String?
    /// Two upper-case letters.
    public var state: String?
    public var zip: String?
    public var tags: [String]
    /// Merge-field values by key (at most 20).
    public var customFields: [String: String]
    /// The contact's IANA zone (quiet hours).
    public var timezone: String?
    /// From the carrier lookup: nil while it is pending, false for a landline or VoIP number.
    public var isTextable: Bool?
    /// When the contact opted out (STOP or by hand), or nil while opted in.
    public var optedOutAt: Date?
    /// When consent was last recorded by hand (`POST /api/contacts/{id}/opt-in`), if ever.
    public var optedInAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    /// Whether the contact may receive campaign messages as far as consent goes.
    public var optedIn: Bool { optedOutAt == nil }

    /// A contact (normally read by ``ContactStore``).
    public init(
        id: UUID, phone: String?, firstName: String?, lastName: String?, email: String?, address: String?,
        city: String?, state: String?, zip: String?, tags: [String], customFields: [String: String],
        timezone: String?, isTextable: Bool?, optedOutAt: Date?, optedInAt: Date? = nil, createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.phone = phone
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.address = address
        self.city = city
        self.state = state
        self.zip = zip
        self.tags = tags
        self.customFields = customFields
        self.timezone = timezone
        self.isTextable = isTextable
        self.optedOutAt = optedOutAt
        self.optedInAt = optedInAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, phone, firstName, lastName, email, address, city, state, zip, tags, customFields, timezone
        case isTextable, optedIn, optedOutAt, optedInAt, createdAt, updatedAt
    }

    /// Every field, absent values as null; the id in lower case, timestamps as UTC ISO 8601.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.uuidString.lowercased(), forKey: .id)
        try container.encode(phone, forKey: .phone)
        try container.encode(firstName, forKey: .firstName)
        try container.encode(lastName, forKey: .lastName)
        try container.encode(email, forKey: .email)
        try container.encode(address, forKey: .address)
        try container.encode(city, forKey: .city)
        try container.encode(state, forKey: .state)
        try container.encode(zip, forKey: .zip)
        try container.encode(tags, forKey: .tags)
        try container.encode(customFields, forKey: .customFields)
        try container.encode(timezone, forKey: .timezone)
        try container.encode(isTextable, forKey: .isTextable)
        try container.encode(optedIn, forKey: .optedIn)
        try container.encode(optedOutAt.map(UTCTimestamp.format), forKey: .optedOutAt)
        try container.encode(optedInAt.map(UTCTimestamp.format), forKey: .optedInAt)
        try container.encode(UTCTimestamp.format(createdAt), forKey: .createdAt)
        try container.encode(UTCTimestamp.format(updatedAt), forKey: .updatedAt)
    }
}

/// One page of contacts and the cursor of the next (and the total when it was asked for).
public struct ContactPage: Sendable, Equatable {
    public var contacts: [Contact]
    public var nextCursor: String?
    /// Every contact the filter matches, when `includeTotal` was set.
    public var total: Int?
}
