import AmplifiMessaging
public import AmplifiPostgres
import Crypto
public import Foundation
public import Logging
import Synchronization

/// Creates, lists, revokes and checks API keys.
///
/// A key is `am_live_` followed by 40 random base-62 characters (238 bits from the system's
/// cryptographic generator). Only its SHA-256 is stored (`api_keys.key_hash`); the secret is shown
/// once, by ``create(orgID:name:scopes:expiresAt:)``. Authentication hashes the presented secret and
/// finds its route (`api_key_routes`, keyed by hash: one indexed lookup before the organization is
/// known), then compares the stored hash in constant time and checks revocation and expiry. An
/// equality lookup on a hash tells an attacker nothing about the secret; the comparison guards
/// against a route that does not match its key row.
public struct APIKeyStore: Sendable {
    /// Every key starts with this (`_live_`: keys act on real data; there is no test mode yet).
    public static let secretPrefix = "am_live_"
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    let client: PostgresClient
    let logger: Logger
    /// When each key's `last_used_at` was last written by this process: at most once a minute.
    private let touched = LastUseThrottle()

    /// A store over `client`.
    public init(client: PostgresClient, logger: Logger = Logger(label: "amplifi.api-keys")) {
        self.client = client
        self.logger = logger
    }

    static let columns =
        "id, org_id, name, coalesce(key_prefix, ''), scopes, created_at, last_used_at, expires_at, revoked_at"

    /// Creates a key for `orgID`; returns it with its secret, which is not stored and cannot be shown again.
    public func create(orgID: UUID, name: String, scopes: [APIScope], expiresAt: Date? = nil) async throws -> (
        key: APIKey, secret: String
    ) {
        var problems: [EngineError] = []
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 100 {
            problems.append(EngineError(.validationFailed, "must be 1 to 100 characters", field: "name"))
        }
        if scopes.isEmpty {
            problems.append(
                EngineError(
                    .validationFailed,
                    "name at least one scope: " + APIScope.allCases.map(\.rawValue).joined(separator: ", "),
                    field: "scopes"))
        }
        if let expiresAt, expiresAt <= Date() {
            problems.append(EngineError(.validationFailed, "must be in the future", field: "expires"))
        }
        if !problems.isEmpty { throw ValidationFailure(problems) }
        let secret = Self.newSecret()
        let rows = try await client.query(
            """
            INSERT INTO api_keys (org_id, name, key_hash, key_prefix, scopes, expires_at)
            SELECT id, \(name), \(PostgresBytes(Self.hash(secret))), \(Self.displayPrefix(secret)),
                   \(Array(Set(scopes)).map(\.rawValue).sorted())::text[], \(expiresAt)
            FROM organizations WHERE id = \(orgID)
            RETURNING \(unescaped: Self.columns)
            """)
        guard let row = rows.first else {
            throw EngineError(.notFound, "no organization with id \(orgID)", field: "org")
        }
        let key = try Self.decode(row)
        logger.info("api key created", metadata: ["org_id": .id(orgID), "api_key_id": .id(key.id)])
        return (key, secret)
    }

    /// The organization's keys, newest first, revoked ones included (marked).
    public func list(orgID: UUID) async throws -> [APIKey] {
        try await client.query(
            "SELECT \(unescaped: Self.columns) FROM api_keys WHERE org_id = \(orgID) ORDER BY created_at DESC, id"
        ).map(Self.decode)
    }

    /// Revokes the key `idOrPrefix` (its id, or the prefix `list` shows) of `orgID`; returns it.
    /// Revoking twice keeps the first time. Requests with the key fail from then on.
    public func revoke(orgID: UUID, idOrPrefix: String) async throws -> APIKey {
        let id = UUID(uuidString: idOrPrefix)
        let rows = try await client.query(
            """
            UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
            WHERE org_id = \(orgID) AND (id = \(id) OR key_prefix = \(idOrPrefix))
            RETURNING \(unescaped: Self.columns)
            """)
        guard rows.count == 1 else {
            throw EngineError(
                rows.isEmpty ? .notFound : .conflict,
                rows.isEmpty
                    ? "the organization has no API key \(idOrPrefix) (see amplifi api-key list)"
                    : "several keys start with \(idOrPrefix): give the key's id", field: "key")
        }
        return try Self.decode(rows[0])
    }

    /// Who `secret` authenticates, or nil when it is no key, a revoked key or an expired one.
    public func authenticate(secret: String) async throws -> APIPrincipal? {
        guard secret.hasPrefix(Self.secretPrefix), secret.utf8.count == Self.secretPrefix.utf8.count + 40 else {
            return nil
        }
        let presented = Self.hash(secret)
        let rows = try await client.query(
            """
            SELECT k.org_id, k.id, k.key_hash, k.scopes, (k.revoked_at IS NULL
                   AND (k.expires_at IS NULL OR k.expires_at > now())) AS usable
            FROM api_key_routes r JOIN api_keys k ON k.org_id = r.org_id AND k.id = r.api_key_id
            WHERE r.key_hash = \(PostgresBytes(presented))
            """)
        guard let row = rows.first else { return nil }
        let (orgID, keyID, stored, scopes, usable) = try row.decode(
            (UUID, UUID, PostgresBytes, [String], Bool).self)
        guard Self.constantTimeEqual(stored.bytes, presented), usable else { return nil }
        if touched.shouldWrite(keyID) {
            _ = try? await client.query(
                "UPDATE api_keys SET last_used_at = now() WHERE org_id = \(orgID) AND id = \(keyID)")
        }
        return APIPrincipal(orgID: orgID, keyID: keyID, scopes: Set(scopes.compactMap(APIScope.init(rawValue:))))
    }

    // MARK: - Secrets

    static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = Array(secretPrefix.utf8)
        for _ in 0..<40 { bytes.append(alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))]) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func displayPrefix(_ secret: String) -> String { String(secret.prefix(secretPrefix.count + 8)) }

    static func hash(_ secret: String) -> [UInt8] { Array(SHA256.hash(data: Array(secret.utf8))) }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    static func decode(_ row: PostgresRow) throws -> APIKey {
        let (id, orgID, name, prefix, scopes, createdAt, lastUsedAt, expiresAt, revokedAt) = try row.decode(
            (UUID, UUID, String, String, [String], Date, Date?, Date?, Date?).self)
        return APIKey(
            id: id, orgID: orgID, name: name, prefix: prefix, scopes: scopes.compactMap(APIScope.init(rawValue:)),
            createdAt: createdAt, lastUsedAt: lastUsedAt, expiresAt: expiresAt, revokedAt: revokedAt)
    }
}

/// Remembers when this process last wrote each key's `last_used_at`, so a busy key costs one write a
/// minute, not one per request.
final class LastUseThrottle: Sendable {
    private let written = Mutex<[UUID: ContinuousClock.Instant]>([:])

    /// True (and noted) when the key's use was not written in the last minute.
    func shouldWrite(_ keyID: UUID, now: ContinuousClock.Instant = .now) -> Bool {
        written.withLock { written in
            if let last = written[keyID], now - last < .seconds(60) { return false }
            if written.count > 10_000 { written.removeAll() }
            written[keyID] = now
            return true
        }
    }
}
