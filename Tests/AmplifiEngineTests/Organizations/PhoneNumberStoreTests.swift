import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

@Suite("Phone number store")
struct PhoneNumberStoreTests {
    @Test func numbersAreNormalizedAndTheFirstBecomesDefault() async throws {
        try await withTestDatabase { client, _ in
            let org = try await OrganizationStore(client: client).create(name: "Acme")
            let store = PhoneNumberStore(client: client)
            let first = try await store.add(org: org.id, number: "(919) 555-1234", mps: Decimal(string: "0.25")!)
            #expect(first.e164 == "+19195551234")
            #expect(first.isDefault)
            #expect(first.mps == Decimal(string: "0.25")!)
            #expect(first.kind == .longCode)
            let tollFree = try await store.add(org: org.id, number: "1-833-555-0100", mps: 3, kind: .tollFree)
            #expect(!tollFree.isDefault)
            let short = try await store.add(org: org.id, number: "12345", mps: 100, kind: .shortCode)
            #expect(short.e164 == "12345")
        }
    }

    @Test func makingANumberDefaultUndefaultsThePreviousOne() async throws {
        try await withTestDatabase { client, _ in
            let org = try await OrganizationStore(client: client).create(name: "Acme")
            let store = PhoneNumberStore(client: client)
            let first = try await store.add(org: org.id, number: "+19195551234", isDefault: true)
            let second = try await store.add(org: org.id, number: "+19195551235", isDefault: true)
            let numbers = try await store.list(org: org.id)
            #expect(numbers.map(\.id) == [second.id, first.id])
            #expect(numbers.map(\.isDefault) == [true, false])
        }
    }

    @Test func aNumberBelongsToOneOrganization() async throws {
        try await withTestDatabase { client, _ in
            let orgs = OrganizationStore(client: client)
            let acme = try await orgs.create(name: "Acme")
            let other = try await orgs.create(name: "Other")
            let store = PhoneNumberStore(client: client)
            _ = try await store.add(org: acme.id, number: "+19195551234")
            let conflict = await #expect(throws: EngineError.self) {
                try await store.add(org: other.id, number: "919.555.1234", isDefault: true)
            }
            #expect(conflict?.code == .conflict)
            #expect(conflict?.field == "number")
            // The failed add rolled back entirely: no default was taken away, nothing added.
            #expect(try await store.list(org: other.id).isEmpty)
            #expect(try await store.list(org: acme.id).map(\.isDefault) == [true])
        }
    }

    @Test func invalidInputIsRejected() async throws {
        try await withTestDatabase { client, _ in
            let org = try await OrganizationStore(client: client).create(name: "Acme")
            let store = PhoneNumberStore(client: client)
            let bad = await #expect(throws: EngineError.self) {
                try await store.add(org: org.id, number: "555-CALL-NOW")
            }
            #expect(bad?.field == "number")
            let mps = await #expect(throws: EngineError.self) {
                try await store.add(org: org.id, number: "+19195551234", mps: 0)
            }
            #expect(mps?.field == "mps")
            let fraction = await #expect(throws: EngineError.self) {
                try await store.add(org: org.id, number: "+19195551234", mps: Decimal(string: "0.0001")!)
            }
            #expect(fraction?.field == "mps")
            let missing = await #expect(throws: EngineError.self) {
                try await store.add(org: UUID(), number: "+19195551234")
            }
            #expect(missing?.code == .notFound)
        }
    }
}
