import AmplifiEngine
import AmplifiPostgres
import Foundation

/// Rows the audience tests need: an org, contacts, segments and campaigns.
enum AudienceFixtures {
    static func createOrg(_ client: PostgresClient, name: String = "Audience test org") async throws -> UUID {
        try await client.query("INSERT INTO organizations (name) VALUES (\(name)) RETURNING id")[0].decode(
            UUID.self, at: 0)
    }

    /// One contact; returns its id.
    @discardableResult
    static func contact(
        _ client: PostgresClient, org: UUID, phone: String? = nil, first: String? = nil, last: String? = nil,
        email: String? = nil, state: String? = nil, zip: String? = nil, tags: [String] = [], textable: Bool? = true,
        optedOut: Bool = false, deleted: Bool = false
    ) async throws -> UUID {
        try await client.query(
            """
            INSERT INTO contacts (org_id, phone, first_name, last_name, email, state, zip, tags, is_textable,
                                  opted_out_at, deleted_at)
            VALUES (\(org), \(phone), \(first), \(last), \(email), \(state), \(zip), \(tags)::text[], \(textable),
                    CASE WHEN \(optedOut) THEN now() END, CASE WHEN \(deleted) THEN now() END)
            RETURNING id
            """)[0].decode(UUID.self, at: 0)
    }

    static func segment(_ client: PostgresClient, org: UUID, filter: String) async throws -> UUID {
        try await client.query(
            "INSERT INTO segments (org_id, name, filter) VALUES (\(org), 'seg', \(filter)::jsonb) RETURNING id"
        )[0].decode(UUID.self, at: 0)
    }

    static func campaign(
        _ client: PostgresClient, org: UUID, filter: String? = "{}", segment: UUID? = nil, abTest: Bool = false
    ) async throws -> UUID {
        try await client.query(
            """
            INSERT INTO campaigns (org_id, name, message, contact_filter, segment_id, status, ab_test,
                                   message_variant_a, message_variant_b)
            VALUES (\(org), 'c', 'Hello', \(segment == nil ? filter : nil)::jsonb, \(segment), 'queued', \(abTest),
                    \(abTest ? "A text" : nil), \(abTest ? "B text" : nil))
            RETURNING id
            """)[0].decode(UUID.self, at: 0)
    }

    /// md5 over (contact_id, variant, status, skip_reason, chunk, phone) in contact order.
    static func checksum(_ client: PostgresClient, org: UUID, campaign: UUID) async throws -> String {
        try await client.query(
            """
            SELECT coalesce(md5(string_agg(concat_ws('|', contact_id, variant, status, skip_reason, chunk, phone), ','
                                           ORDER BY contact_id)), '')
            FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign)
            """)[0].decode(String.self, at: 0)
    }

    /// The process's peak resident set (VmHWM) in kB.
    static func peakRSSKilobytes() -> Int { procStatus("VmHWM:") }

    /// The process's current resident set (VmRSS) in kB.
    static func currentRSSKilobytes() -> Int { procStatus("VmRSS:") }

    static func procStatus(_ key: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(key) {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}
