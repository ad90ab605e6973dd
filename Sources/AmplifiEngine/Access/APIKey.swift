public import Foundation

/// An API key as listed: never the secret, which exists only in the answer to its creation.
public struct APIKey: Sendable, Hashable, Codable {
    public var id: UUID
    public var orgID: UUID
    public var name: String
    /// The secret's non-secret first characters (`am_live_` and eight more), to tell keys apart.
    public var prefix: String
    public var scopes: [APIScope]
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var expiresAt: Date?
    public var revokedAt: Date?

    /// A key as stored.
    public init(
        id: UUID, orgID: UUID, name: String, prefix: String, scopes: [APIScope], createdAt: Date,
        lastUsedAt: Date? = nil, expiresAt: Date? = nil, revokedAt: Date? = nil
    ) {
        self.id = id
        self.orgID = orgID
        self.name = name
        self.prefix = prefix
        self.scopes = scopes
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

/// Who a request authenticated as: the key's organization (every query of the request is
/// scoped to it) and what the key may do.
public struct APIPrincipal: Sendable, Hashable {
    public var orgID: UUID
    public var keyID: UUID
    public var scopes: Set<APIScope>

    public init(orgID: UUID, keyID: UUID, scopes: Set<APIScope>) {
        self.orgID = orgID
        self.keyID = keyID
        self.scopes = scopes
    }
}
