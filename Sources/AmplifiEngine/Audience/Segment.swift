public import Foundation

/// A saved, named contact filter of an organization (`segments`): a campaign with `segmentId`
/// plans the contacts it matches when it starts, so the audience follows the contacts.
public struct Segment: Sendable, Equatable, Encodable {
    public var id: UUID
    public var orgID: UUID
    public var name: String
    /// The filter, in the language of a campaign's `contactFilter`.
    public var filter: ContactFilter
    public var createdAt: Date
    public var updatedAt: Date

    /// A segment (normally read by ``SegmentStore``).
    public init(id: UUID, orgID: UUID, name: String, filter: ContactFilter, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.orgID = orgID
        self.name = name
        self.filter = filter
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id
        case orgID = "orgId"
        case name, filter, createdAt, updatedAt
    }

    /// Ids in lower case, timestamps as UTC ISO 8601.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.uuidString.lowercased(), forKey: .id)
        try container.encode(orgID.uuidString.lowercased(), forKey: .orgID)
        try container.encode(name, forKey: .name)
        try container.encode(filter, forKey: .filter)
        try container.encode(UTCTimestamp.format(createdAt), forKey: .createdAt)
        try container.encode(UTCTimestamp.format(updatedAt), forKey: .updatedAt)
    }
}

/// One page of an organization's segments, newest first, and the cursor of the next page.
public struct SegmentPage: Sendable, Equatable {
    /// The segments on this page.
    public var segments: [Segment]
    /// Pass to the next `list` call; nil on the last page.
    public var nextCursor: String?
}

/// How many contacts a segment matches now, how many of them a campaign would text, and the first
/// few (`GET /api/segments/{id}/preview`, `amplifi segment show`).
public struct SegmentPreview: Sendable, Equatable, Encodable {
    /// One matching contact, as a preview shows it.
    public struct Contact: Sendable, Equatable, Encodable {
        public var id: String
        public var firstName: String?
        public var lastName: String?
        public var phone: String?
        public var email: String?
        /// Why a campaign would skip the contact (`opted_out`, `no_phone`, `not_textable`,
        /// `lookup_pending`), or nil when it would be texted.
        public var skipReason: SkipReason?
    }

    /// Contacts the filter matches (deleted contacts excluded).
    public var count: Int
    /// Of those, the contacts a campaign would text (not opted out, with a phone, textable).
    public var sendable: Int
    /// The first contacts by id.
    public var contacts: [Contact]
}
