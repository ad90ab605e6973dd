import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

/// Migration 011 on a database that already holds data (every tenant table has rows, written at the
/// 010 schema): it applies, keeps every row, fills the routing tables, and the re-created keys and
/// foreign keys hold as before.
@Suite("Schema: migration 011 on a database holding data")
struct DistributionKeysMigrationTests {
    static let orgA = UUID(uuidString: "0000000a-0000-4000-8000-000000000000")!
    static let orgB = UUID(uuidString: "0000000b-0000-4000-8000-000000000000")!

    /// One row (or a few) in every table, at the 010 schema.
    static let rowsAt010 = """
        INSERT INTO organizations (id, name) VALUES ('\(orgA)', 'A'), ('\(orgB)', 'B');
        INSERT INTO credit_ledger (org_id, kind, amount) VALUES ('\(orgA)', 'topup', 100), ('\(orgB)', 'topup', 50);
        INSERT INTO phone_numbers (id, org_id, e164, is_default)
        VALUES ('00000001-0000-4000-8000-000000000000', '\(orgA)', '+19195550100', true),
               ('00000002-0000-4000-8000-000000000000', '\(orgB)', '+19195550200', true);
        INSERT INTO api_keys (org_id, name, key_hash) VALUES ('\(orgA)', 'ci', decode(repeat('ab', 32), 'hex'));
        INSERT INTO contacts (id, org_id, phone, is_textable)
        VALUES ('00000003-0000-4000-8000-000000000000', '\(orgA)', '+19195551000', true),
               ('00000004-0000-4000-8000-000000000000', '\(orgB)', '+19195551000', true);
        INSERT INTO segments (id, org_id, name, filter)
        VALUES ('00000005-0000-4000-8000-000000000000', '\(orgA)', 'all', '{}');
        INSERT INTO campaigns (id, org_id, name, message, segment_id, from_phone_number_id, status, auto_reply)
        VALUES ('00000006-0000-4000-8000-000000000000', '\(orgA)', 'c', 'Hi', '00000005-0000-4000-8000-000000000000',
                '00000001-0000-4000-8000-000000000000', 'sending', true);
        INSERT INTO campaign_messages (org_id, campaign_id, contact_id, phone, status, provider_message_id, sent_at,
                                       claimed_by, claimed_at)
        VALUES ('\(orgA)', '00000006-0000-4000-8000-000000000000', '00000003-0000-4000-8000-000000000000',
                '+19195551000', 'sent', 'SMold1', now(), 'w', now());
        INSERT INTO credit_ledger (org_id, campaign_id, batch_id, kind, amount)
        VALUES ('\(orgA)', '00000006-0000-4000-8000-000000000000', 'b1', 'debit', -1);
        INSERT INTO delivery_events (org_id, message_id, provider_message_id, status, source)
        SELECT org_id, id, provider_message_id, 'sent', 'callback' FROM campaign_messages;
        INSERT INTO pending_delivery_events (message_id, status, source) VALUES (999, 'delivered', 'callback');
        INSERT INTO inbound_messages (id, org_id, contact_id, phone_number_id, from_phone, to_phone, body,
                                      provider_message_id, campaign_id)
        VALUES ('00000007-0000-4000-8000-000000000000', '\(orgA)', '00000003-0000-4000-8000-000000000000',
                '00000001-0000-4000-8000-000000000000', '+19195551000', '+19195550100', 'YES', 'SMin1',
                '00000006-0000-4000-8000-000000000000');
        INSERT INTO reply_messages (org_id, inbound_message_id, campaign_id, contact_id, phone_number_id, to_phone,
                                    body, encoding, segments, credits)
        VALUES ('\(orgA)', '00000007-0000-4000-8000-000000000000', '00000006-0000-4000-8000-000000000000',
                '00000003-0000-4000-8000-000000000000', '00000001-0000-4000-8000-000000000000', '+19195551000',
                'Thanks', 'GSM7', 1, 1);
        INSERT INTO auto_reply_windows (org_id, campaign_id, contact_id, trigger)
        VALUES ('\(orgA)', '00000006-0000-4000-8000-000000000000', '00000003-0000-4000-8000-000000000000', 'yes');
        """

    static let tables = [
        "organizations", "phone_numbers", "api_keys", "contacts", "segments", "campaigns", "campaign_messages",
        "credit_ledger", "delivery_events", "pending_delivery_events", "inbound_messages", "reply_messages",
        "auto_reply_windows",
    ]

    /// Rows per table, in ``tables`` order.
    static func counts(_ connection: PostgresConnection) async throws -> [Int64] {
        var counts: [Int64] = []
        for table in tables {
            counts.append(
                try await connection.query("SELECT count(*) FROM \(unescaped: table)")[0].decode(Int64.self, at: 0))
        }
        return counts
    }

    @Test func appliesOnDataKeepsEveryRowAndTheKeysStillHold() async throws {
        let url = try await TestDatabase.shared.createUnmigratedDatabase()
        let connection = try await PostgresConnection.connect(url: url)
        do {
            let all = try PostgresMigrator(directory: TestDatabase.sqlDirectory)
            let before011 = PostgresMigrator(migrations: all.migrations.filter { $0.version <= 10 })
            #expect(try await before011.migrate(connection).map(\.version).last == 10)
            try await connection.execute(script: Self.rowsAt010)
            let rowsBefore = try await Self.counts(connection)
            #expect(rowsBefore.allSatisfy { $0 > 0 })

            #expect(try await all.migrate(connection).map(\.version).first == 11)
            #expect(try await Self.counts(connection) == rowsBefore)
            let routes = try await connection.query("SELECT e164, org_id FROM phone_number_routes ORDER BY e164")
                .map { try $0.decode((String, UUID).self) }
            #expect(routes.map(\.0) == ["+19195550100", "+19195550200"] && routes.map(\.1) == [Self.orgA, Self.orgB])
            let keyRoutes = try await connection.query(
                "SELECT count(*) FROM api_key_routes WHERE org_id = \(Self.orgA)")
            #expect(try keyRoutes[0].decode(Int64.self, at: 0) == 1)

            // The composite foreign keys hold: org A's row cannot point at org B's contact.
            let crossOrg = await #expect(throws: PostgresError.self) {
                try await connection.query(
                    """
                    INSERT INTO campaign_messages (org_id, campaign_id, contact_id, phone)
                    VALUES (\(Self.orgA), '00000006-0000-4000-8000-000000000000'::uuid,
                            '00000004-0000-4000-8000-000000000000'::uuid, '+19195551000')
                    """)
            }
            #expect(crossOrg?.constraint == "campaign_messages_contact_fkey")
            // The idempotency key, now (org_id, campaign_id, contact_id), still skips a replanned contact.
            let replanned = try await connection.query(
                """
                INSERT INTO campaign_messages (org_id, campaign_id, contact_id, phone)
                VALUES (\(Self.orgA), '00000006-0000-4000-8000-000000000000'::uuid,
                        '00000003-0000-4000-8000-000000000000'::uuid, '+19195551000')
                ON CONFLICT (org_id, campaign_id, contact_id) DO NOTHING RETURNING id
                """)
            #expect(replanned.count == 0)
            // A number stays in one organization, through its route.
            let taken = await #expect(throws: PostgresError.self) {
                try await connection.query(
                    "INSERT INTO phone_numbers (org_id, e164) VALUES (\(Self.orgB), '+19195550100')")
            }
            #expect(taken?.constraint == "phone_number_routes_pkey")
        } catch {
            await connection.close()
            await TestDatabase.shared.dropDatabase(url: url)
            throw error
        }
        await connection.close()
        await TestDatabase.shared.dropDatabase(url: url)
    }
}
