import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Logging
import Testing

/// Contacts written through the API's store: deleting anonymizes the row and what was sent to it,
/// and an opted-out phone stays suppressed through a later import.
@Suite struct ContactStoreTests {
    static let logger = Logger(label: "amplifi.test.contacts")

    @Test func aDeletedOptedOutContactComesBackOptedOutFromAnImport() async throws {
        try await withTestDatabase { client, _ in
            let org = try await AudienceFixtures.createOrg(client)
            let store = ContactStore(client: client, logger: Self.logger)
            let (contact, created) = try await store.createOrMerge(
                orgID: org, json: Data(#"{"phone": "+13035550161", "firstName": "Dana", "email": "d@x.io"}"#.utf8))
            #expect(created && contact.optedIn)
            let campaign = try await AudienceFixtures.campaign(client, org: org)
            try await client.query(
                """
                INSERT INTO campaign_messages (org_id, campaign_id, contact_id, phone, body, status, sent_at)
                VALUES (\(org), \(campaign), \(contact.id), '+13035550161', 'Hi Dana', 'delivered', now())
                """)
            let number = try await client.query(
                "INSERT INTO phone_numbers (org_id, e164, is_default, mps) VALUES (\(org), '+13035550199', true, 1) RETURNING id"
            )[0].decode(UUID.self, at: 0)
            try await client.query(
                """
                INSERT INTO conversations (org_id, contact_phone, phone_number_id, contact_id, last_message_at,
                                           last_direction, last_preview, message_count)
                VALUES (\(org), '+13035550161', \(number), \(contact.id), now(), 'inbound', 'STOP', 1)
                """)
            try await client.query("UPDATE contacts SET opted_out_at = now() WHERE id = \(contact.id)")
            try await store.delete(orgID: org, contactID: contact.id)
            #expect(try await client.query("SELECT count(*)::int FROM conversations")[0].decode(Int.self, at: 0) == 0)

            let (phone, name, deleted) = try await client.query(
                "SELECT phone, first_name, deleted_at IS NOT NULL FROM contacts WHERE id = \(contact.id)")[0]
                .decode((String?, String?, Bool).self)
            #expect(phone == nil && name == nil && deleted)
            let (sentTo, body) = try await client.query(
                "SELECT phone, body FROM campaign_messages WHERE contact_id = \(contact.id)")[0]
                .decode((String?, String?).self)
            #expect(sentTo == nil && body == nil)

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("reimport-\(UUID()).csv")
            try "phone,firstName\n+13035550161,Dana\n+13035550162,Eve\n".write(
                to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let report = try await ContactImporter(client: client).importFile(org: org, path: file.path)
            #expect(report.created == 2)
            let optedOut = try await client.query(
                "SELECT phone, opted_out_at IS NOT NULL FROM contacts WHERE org_id = \(org) AND phone IS NOT NULL ORDER BY phone"
            ).map { try $0.decode((String, Bool).self) }
            #expect(optedOut.map(\.0) == ["+13035550161", "+13035550162"] && optedOut.map(\.1) == [true, false])
        }
    }

    @Test func aContactBodyReportsEveryProblem() async throws {
        try await withTestDatabase { client, _ in
            let org = try await AudienceFixtures.createOrg(client)
            let store = ContactStore(client: client, logger: Self.logger)
            let custom = (0..<21).map { "\"k\($0)\": \"v\"" }.joined(separator: ", ")
            do {
                _ = try await store.createOrMerge(
                    orgID: org,
                    json: Data(#"{"email": "nope", "tags": ["", 3], "customFields": {\#(custom)}, "timezone": 1}"#.utf8)
                )
                Issue.record("accepted an invalid contact")
            } catch let failure as ValidationFailure {
                #expect(
                    Set(failure.problems.compactMap(\.field))
                        == ["phone", "email", "tags[0]", "tags[1]", "customFields", "timezone"], "\(failure.problems)")
            }
            do {
                _ = try await store.createOrMerge(
                    orgID: org, json: Data(#"{"phone": "+13035550163", "timezone": "Mars/Olympus"}"#.utf8))
                Issue.record("accepted an unknown zone")
            } catch let failure as ValidationFailure {
                #expect(failure.problems.map(\.field) == ["timezone"])
            }
            #expect(try await store.list(orgID: org, filter: ContactFilter()).contacts.isEmpty)
        }
    }
}
