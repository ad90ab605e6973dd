import AmplifiCarriers
import AmplifiEngine
import AmplifiMessaging
public import AmplifiPostgres
import AmplifiRedis
public import Foundation
import Logging

/// The data `amplifi bench send` works on: an organization with `recipients` textable contacts, a
/// sender number that is never the limit and enough credits, and the raw Postgres baseline
/// (insert + update of the same number of `campaign_messages` rows, each in one statement) that
/// the send path is compared with. Not a test.
public enum SendBenchmark {
    /// Loads an organization named `name` with `recipients` contacts (COPY) and a default sender
    /// `number` that may send a million messages a second (never the limit).
    public static func prepare(
        client: PostgresClient, recipients: Int, name: String = "send bench",
        number: String = "+1919555\(Int.random(in: 1_000...9_999))"
    ) async throws -> UUID {
        try await client.withConnection { connection in
            let org = try await connection.query(
                "INSERT INTO organizations (name) VALUES (\(name)) RETURNING id")[0].decode(UUID.self, at: 0)
            try await connection.query(
                "INSERT INTO credit_ledger (org_id, kind, amount, reason) VALUES (\(org), 'topup', \(max(recipients * 20, 1_000)), 'bench')"
            )
            try await connection.query(
                """
                INSERT INTO phone_numbers (org_id, e164, is_default, mps, kind)
                VALUES (\(org), \(number), true, 1000000, 'short_code')
                """)
            try await GeneratedContacts(orgID: org, count: recipients).copy(into: connection)
            try await connection.query(
                "UPDATE contacts SET is_textable = true, opted_out_at = NULL, timezone = NULL, deleted_at = NULL WHERE org_id = \(org)"
            )
            try await connection.execute(script: "VACUUM ANALYZE contacts")
            return org
        }
    }

    /// An `Etc/GMT±N` zone where the local hour is about noon now.
    public static func middayZone(now: Date = Date()) -> String {
        let hour = Int(now.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400) / 3_600)
        var offset = 12 - hour
        if offset > 12 { offset -= 24 }
        if offset < -11 { offset += 24 }
        // POSIX sign convention: Etc/GMT-N is UTC+N.
        return offset == 0 ? "Etc/GMT" : "Etc/GMT\(offset > 0 ? "-" : "+")\(abs(offset))"
    }

    /// Messages of `campaign` that reached the carrier.
    public static func sentCount(client: PostgresClient, campaign: UUID) async throws -> Int {
        try await client.query(
            "SELECT count(*)::int FROM campaign_messages WHERE campaign_id = \(campaign) AND status = 'sent'")[0]
            .decode(Int.self, at: 0)
    }

    /// The raw baseline: insert `rows` campaign_messages rows in one statement and
    /// update all of them to `sent` in another; returns rows per second of the pair.
    public static func rawBaseline(client: PostgresClient, org: UUID, rows: Int) async throws -> Double {
        let campaign = try await client.query(
            """
            INSERT INTO campaigns (org_id, name, message, contact_filter, status)
            VALUES (\(org), 'raw', 'Hi', '{}'::jsonb, 'sending') RETURNING id
            """)[0].decode(UUID.self, at: 0)
        let clock = ContinuousClock()
        let start = clock.now
        try await client.query(
            """
            INSERT INTO campaign_messages (org_id, campaign_id, contact_id, phone, chunk, status)
            SELECT org_id, \(campaign), id, phone, 0, 'pending' FROM contacts
            WHERE org_id = \(org) AND phone IS NOT NULL ORDER BY id LIMIT \(rows)
            """)
        try await client.query(
            """
            UPDATE campaign_messages SET status = 'sent', body = 'Hi there, the bench is running.', encoding = 'GSM7',
                   segments = 1, credits = 1, provider_message_id = 'SM' || id, sent_at = now(), attempt = 1
            WHERE campaign_id = \(campaign)
            """)
        return Double(rows) / max((clock.now - start).asSeconds, 1e-9)
    }
}
