public import Foundation

/// A tenant: its name, fallback time zone and current credit balance.
public struct Organization: Sendable, Equatable, Codable {
    /// The org id every tenant table carries.
    public var id: UUID
    /// Display name.
    public var name: String
    /// IANA zone; the last fallback for quiet hours.
    public var timezone: String
    /// Credits available (always the sum of the org's ledger).
    public var creditBalance: Int64
    /// Whether billing is active (debits allowed).
    public var billingActive: Bool
    /// When the organization was created.
    public var createdAt: Date

    /// Creates a value (normally read from the database by ``OrganizationStore``).
    public init(id: UUID, name: String, timezone: String, creditBalance: Int64, billingActive: Bool, createdAt: Date) {
        self.id = id
        self.name = name
        self.timezone = timezone
        self.creditBalance = creditBalance
        self.billingActive = billingActive
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, timezone, creditBalance, billingActive, createdAt
    }

    /// Encodes with the id in lower case (Postgres' spelling, so ids can be pasted into SQL).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.uuidString.lowercased(), forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(timezone, forKey: .timezone)
        try container.encode(creditBalance, forKey: .creditBalance)
        try container.encode(billingActive, forKey: .billingActive)
        try container.encode(createdAt, forKey: .createdAt)
    }
}
