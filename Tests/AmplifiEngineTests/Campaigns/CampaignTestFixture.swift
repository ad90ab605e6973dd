import AmplifiEngine
import AmplifiPostgres
import Foundation

/// Two organizations with numbers, a segment each and a few contacts, for intake tests.
struct CampaignTestFixture {
    let orgA: UUID
    let orgB: UUID
    /// Org A's default number and a second one.
    let numberA: UUID
    let secondNumberA: UUID
    let numberB: UUID
    let segmentA: UUID
    let segmentB: UUID
    /// An org with no phone number at all.
    let orgWithoutNumbers: UUID

    static func make(_ client: PostgresClient) async throws -> CampaignTestFixture {
        func id(_ query: PostgresQuery) async throws -> UUID {
            try await client.query(query).first!.decode(UUID.self, at: 0)
        }
        let suffix = String(Int.random(in: 1_000_000...9_999_999))
        let orgA = try await id(
            "INSERT INTO organizations (name, timezone) VALUES ('A', 'America/Chicago') RETURNING id")
        let orgB = try await id("INSERT INTO organizations (name) VALUES ('B') RETURNING id")
        let bare = try await id("INSERT INTO organizations (name) VALUES ('C') RETURNING id")
        let numberA = try await id(
            "INSERT INTO phone_numbers (org_id, e164, is_default) VALUES (\(orgA), \("+1919" + suffix), true) RETURNING id"
        )
        let secondA = try await id(
            "INSERT INTO phone_numbers (org_id, e164) VALUES (\(orgA), \("+1984" + suffix)) RETURNING id")
        let numberB = try await id(
            "INSERT INTO phone_numbers (org_id, e164, is_default) VALUES (\(orgB), \("+1704" + suffix), true) RETURNING id"
        )
        let segmentA = try await id(
            "INSERT INTO segments (org_id, name, filter) VALUES (\(orgA), 'vips', '{\"tags\": [\"vip\"]}') RETURNING id"
        )
        let segmentB = try await id(
            "INSERT INTO segments (org_id, name, filter) VALUES (\(orgB), 'all', '{}') RETURNING id")
        try await client.query(
            """
            INSERT INTO contacts (org_id, phone, first_name, custom_fields) VALUES
                (\(orgA), '+19195550101', 'Ann', '{"donorLevel": "gold"}'),
                (\(orgA), '+19195550102', 'Bob', '{"pledge": "50"}'),
                (\(orgB), '+19195550103', 'Cy', '{"orgBOnly": "x"}')
            """)
        return CampaignTestFixture(
            orgA: orgA, orgB: orgB, numberA: numberA, secondNumberA: secondA, numberB: numberB, segmentA: segmentA,
            segmentB: segmentB, orgWithoutNumbers: bare)
    }

    /// Number of campaigns in the database (all orgs).
    static func campaignCount(_ client: PostgresClient) async throws -> Int {
        try await client.query("SELECT count(*)::int FROM campaigns").first!.decode(Int.self, at: 0)
    }
}
