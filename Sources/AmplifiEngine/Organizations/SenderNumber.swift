public import Foundation

/// One of an organization's sender numbers (a `phone_numbers` row).
public struct SenderNumber: Sendable, Equatable, Codable {
    /// Row id (a campaign's `fromPhoneNumberId`).
    public var id: UUID
    /// The owning organization.
    public var orgID: UUID
    /// E.164 (or the short code's digits).
    public var e164: String
    /// Whether this is the org's default sender.
    public var isDefault: Bool
    /// Messages (segments) per second this number may send, fleet-wide.
    public var mps: Decimal
    /// Long code, toll-free or short code.
    public var kind: SenderNumberKind

    /// Creates a value (normally read from the database by ``PhoneNumberStore``).
    public init(id: UUID, orgID: UUID, e164: String, isDefault: Bool, mps: Decimal, kind: SenderNumberKind) {
        self.id = id
        self.orgID = orgID
        self.e164 = e164
        self.isDefault = isDefault
        self.mps = mps
        self.kind = kind
    }

    enum CodingKeys: String, CodingKey {
        case id
        case orgID = "orgId"
        case e164, isDefault, mps, kind
    }

    /// Encodes with ids in lower case; `mps` as a JSON number.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.uuidString.lowercased(), forKey: .id)
        try container.encode(orgID.uuidString.lowercased(), forKey: .orgID)
        try container.encode(e164, forKey: .e164)
        try container.encode(isDefault, forKey: .isDefault)
        try container.encode(mps, forKey: .mps)
        try container.encode(kind, forKey: .kind)
    }
}
