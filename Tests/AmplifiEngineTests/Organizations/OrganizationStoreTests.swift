import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

@Suite("Organization store")
struct OrganizationStoreTests {
    @Test func creditsGoThroughTheLedgerAndTheBalanceEqualsItsSum() async throws {
        try await withTestDatabase { client, _ in
            let store = OrganizationStore(client: client)
            let org = try await store.create(name: "  Acme  ", timezone: "America/Chicago", credits: 500)
            #expect(org.name == "Acme")
            #expect(org.timezone == "America/Chicago")
            #expect(org.creditBalance == 500)

            #expect(try await store.topUp(org: org.id, amount: 250, reason: "invoice 42") == 750)
            let details = try await store.details(org: org.id)
            #expect(details.organization.creditBalance == 750)
            #expect(details.ledgerSum == 750)
            #expect(details.ledgerEntries == 2)
            let kinds = try await client.query("SELECT kind FROM credit_ledger WHERE org_id = \(org.id) ORDER BY id")
                .map { try $0.decode(String.self, at: 0) }
            #expect(kinds == ["topup", "topup"])
        }
    }

    @Test func zeroCreditsWritesNoLedgerRowAndDefaultsTheZone() async throws {
        try await withTestDatabase { client, _ in
            let store = OrganizationStore(client: client)
            let org = try await store.create(name: "Zero")
            #expect(org.timezone == "America/New_York")
            let details = try await store.details(org: org.id)
            #expect(details.organization.creditBalance == 0)
            #expect(details.ledgerEntries == 0)
            #expect(try await store.resolve("Zero").id == org.id)
            #expect(try await store.resolve(org.id.uuidString).id == org.id)
        }
    }

    @Test func invalidInputIsRejectedWithItsField() async throws {
        try await withTestDatabase { client, _ in
            let store = OrganizationStore(client: client)
            let zone = await #expect(throws: EngineError.self) {
                try await store.create(name: "Acme", timezone: "Mars/Olympus_Mons", credits: 10)
            }
            #expect(zone?.code == .unknownTimezone)
            #expect(zone?.field == "timezone")
            let credits = await #expect(throws: EngineError.self) {
                try await store.create(name: "Acme", credits: -1)
            }
            #expect(credits?.field == "credits")
            let both = await #expect(throws: ValidationFailure.self) {
                try await store.create(name: " ", credits: -5)
            }
            #expect(both?.problems.map(\.field) == ["name", "credits"])
            let topUp = await #expect(throws: EngineError.self) {
                try await store.topUp(org: UUID(), amount: 5)
            }
            #expect(topUp?.code == .notFound)
            let count = try await client.query("SELECT count(*)::bigint FROM organizations")[0].decode(
                Int64.self, at: 0)
            #expect(count == 0)
        }
    }

    @Test func ambiguousOrMissingNamesAreReported() async throws {
        try await withTestDatabase { client, _ in
            let store = OrganizationStore(client: client)
            _ = try await store.create(name: "Twin")
            _ = try await store.create(name: "Twin")
            let ambiguous = await #expect(throws: EngineError.self) { try await store.resolve("Twin") }
            #expect(ambiguous?.code == .conflict)
            let missing = await #expect(throws: EngineError.self) { try await store.resolve("Nobody") }
            #expect(missing?.code == .notFound)
        }
    }
}
