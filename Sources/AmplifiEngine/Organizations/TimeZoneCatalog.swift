public import AmplifiPostgres

/// The IANA zone names the database accepts (the `time_zones` table, FK target of every
/// timezone column), loaded once so a whole import checks zones without a round-trip per row.
public struct TimeZoneCatalog: Sendable {
    /// Every accepted zone name.
    public let names: Set<String>

    /// Creates a catalog from known names.
    public init(names: Set<String>) {
        self.names = names
    }

    // Small (≈600 rows) global reference table; read whole, once per command.
    static let loadQuery: PostgresQuery = "SELECT name FROM time_zones"

    /// Loads every zone name from the database.
    public static func load(from client: PostgresClient) async throws -> TimeZoneCatalog {
        let result = try await client.query(loadQuery)
        var names = Set<String>()
        names.reserveCapacity(result.count)
        for row in result { names.insert(try row.decode(String.self, at: 0)) }
        return TimeZoneCatalog(names: names)
    }

    /// Whether `name` is a zone the database accepts (exact, case-sensitive IANA spelling).
    public func contains(_ name: String) -> Bool {
        names.contains(name)
    }
}
