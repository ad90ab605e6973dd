import AmplifiCarriers
import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// A carrier whose lookups fail or find nothing for chosen numbers (else the simulator's answer),
/// and that remembers how many lookups were in flight at once.
final class LookupCarrier: Carrier {
    let failing: Set<String>
    let unknown: Set<String>
    let inner = SimulatedCarrier(logger: Logger(label: "amplifi.test.lookup"))
    private let inFlight = Mutex((now: 0, most: 0, total: 0))

    init(failing: Set<String> = [], unknown: Set<String> = []) {
        self.failing = failing
        self.unknown = unknown
    }

    var mostInFlight: Int { inFlight.withLock { $0.most } }
    var lookups: Int { inFlight.withLock { $0.total } }

    func send(_ batch: [OutboundMessage]) async -> [SendResult] { await inner.send(batch) }

    func fetch(providerMessageID: String) async throws -> CarrierStatusReport? {
        try await inner.fetch(providerMessageID: providerMessageID)
    }

    func listMessages(to: PhoneNumber, sentOnOrAfter since: Date) async throws -> [CarrierMessage] {
        try await inner.listMessages(to: to, sentOnOrAfter: since)
    }

    func lookupLineType(_ phone: PhoneNumber) async throws -> LineType? {
        inFlight.withLock { state in
            state.now += 1
            state.total += 1
            state.most = max(state.most, state.now)
        }
        defer { inFlight.withLock { $0.now -= 1 } }
        await Task.yield()
        if failing.contains(phone.e164) { throw CarrierError.connectionFailed }
        if unknown.contains(phone.e164) { return nil }
        return SimulatedCarrier.simulatedLineType(phone)
    }
}

@Suite("Contact line-type lookup")
struct ContactLookupTests {
    static let logger = Logger(label: "amplifi.test.lookup")

    /// An org with `count` lookup-pending contacts (+1720…); returns it.
    static func org(_ client: PostgresClient, pending count: Int) async throws -> UUID {
        let org = try await client.query("INSERT INTO organizations (name) VALUES ('lookup') RETURNING id")[0]
            .decode(UUID.self, at: 0)
        try await client.query(
            """
            INSERT INTO contacts (org_id, phone)
            SELECT \(org), '+1720' || lpad(g::text, 7, '0') FROM generate_series(1, \(count)) g
            """)
        return org
    }

    static func phone(_ n: Int) -> String { "+1720" + String(repeating: "0", count: 7 - String(n).count) + String(n) }

    @Test func resolvesEveryPendingContactOfTheOrgPageByPage() async throws {
        try await withTestDatabase { client, _ in
            let org = try await Self.org(client, pending: 50)
            let other = try await Self.org(client, pending: 3)
            // Already known, or without a phone: not looked up.
            try await client.query(
                """
                INSERT INTO contacts (org_id, phone, is_textable) VALUES (\(org), '+18005550001', false),
                    (\(org), '+18005550002', true);
                """)
            try await client.query("INSERT INTO contacts (org_id, email) VALUES (\(org), 'nophone@example.com')")
            let carrier = LookupCarrier()
            let report = try await ContactLookup(client: client, carrier: carrier, pageSize: 7, logger: Self.logger)
                .run(orgID: org, concurrency: 3)
            let expectedTextable = (1...50).filter {
                SimulatedCarrier.simulatedLineType(PhoneNumber(trustedE164: Self.phone($0))).isTextable
            }.count
            #expect(report.lookedUp == 50 && report.unresolved == 0 && report.errors.isEmpty)
            #expect(report.textable == expectedTextable && report.notTextable == 50 - expectedTextable)
            #expect(carrier.lookups == 50 && carrier.mostInFlight <= 3)

            for row in try await client.query(
                "SELECT phone, is_textable FROM contacts WHERE org_id = \(org) AND phone LIKE '+1720%'")
            {
                let (phone, textable) = try row.decode((String, Bool?).self)
                #expect(textable == SimulatedCarrier.simulatedLineType(PhoneNumber(trustedE164: phone)).isTextable)
            }
            let kept = try await client.query(
                "SELECT phone, is_textable FROM contacts WHERE org_id = \(org) AND phone LIKE '+1800%' ORDER BY phone"
            )
            .map { try $0.decode((String, Bool?).self) }
            #expect(kept.map(\.1) == [false, true])
            let otherPending = try await client.query(
                "SELECT count(*) FROM contacts WHERE org_id = \(other) AND is_textable IS NULL")[0].decode(
                    Int.self, at: 0)
            #expect(otherPending == 3)
        }
    }

    @Test func limitStopsAfterThatManyContactsAndARerunContinues() async throws {
        try await withTestDatabase { client, _ in
            let org = try await Self.org(client, pending: 25)
            let lookup = ContactLookup(client: client, carrier: LookupCarrier(), pageSize: 4, logger: Self.logger)
            #expect(try await lookup.run(orgID: org, limit: 10).lookedUp == 10)
            let pending = try await client.query(
                "SELECT count(*) FROM contacts WHERE org_id = \(org) AND is_textable IS NULL")[0].decode(
                    Int.self, at: 0)
            #expect(pending == 15)
            #expect(try await lookup.run(orgID: org).lookedUp == 15)
            #expect(try await lookup.run(orgID: org).lookedUp == 0)
        }
    }

    @Test func unresolvedNumbersStayPendingAndAreCounted() async throws {
        try await withTestDatabase { client, _ in
            let org = try await Self.org(client, pending: 12)
            let carrier = LookupCarrier(failing: [Self.phone(2), Self.phone(9)], unknown: [Self.phone(5)])
            let lookup = ContactLookup(client: client, carrier: carrier, pageSize: 5, logger: Self.logger)
            let report = try await lookup.run(orgID: org, concurrency: 4)
            #expect(report.lookedUp == 12 && report.textable + report.notTextable == 9)
            #expect(report.unresolved == 3 && report.errors == ["connection_failed": 2])
            let pending = try await client.query(
                "SELECT phone FROM contacts WHERE org_id = \(org) AND is_textable IS NULL ORDER BY phone"
            )
            .map { try $0.decode(String.self, at: 0) }
            #expect(pending == [Self.phone(2), Self.phone(5), Self.phone(9)])
            #expect(try await lookup.run(orgID: org).lookedUp == 3)
        }
    }
}

@Suite("Background contact lookup (the lookup role)")
struct BackgroundContactLookupTests {
    static func service(
        _ client: PostgresClient, _ carrier: LookupCarrier, retryAfter: Duration = .seconds(3_600), maxAttempts: Int = 5
    ) -> BackgroundContactLookup {
        BackgroundContactLookup(
            client: client, carrier: carrier,
            configuration: .init(
                ratePerSecond: 1_000, concurrency: 4, retryAfter: retryAfter, maxAttempts: maxAttempts),
            logger: ContactLookupTests.logger)
    }

    static func pending(_ client: PostgresClient) async throws -> Int {
        try await client.query("SELECT count(*) FROM contacts WHERE is_textable IS NULL")[0].decode(Int.self, at: 0)
    }

    @Test func resolvesThePendingContactsOfEveryOrganization() async throws {
        try await withTestDatabase { client, _ in
            _ = try await ContactLookupTests.org(client, pending: 30)
            _ = try await ContactLookupTests.org(client, pending: 5)
            let carrier = LookupCarrier()
            let lookup = Self.service(client, carrier)
            var looked = 0
            while case let count = try await lookup.runOnce(), count > 0 { looked += count }
            #expect(looked == 35 && carrier.lookups == 35)
            #expect(try await Self.pending(client) == 0)
        }
    }

    @Test func anUnresolvedNumberIsRetriedLaterAndGivenUpAfterItsAttempts() async throws {
        try await withTestDatabase { client, _ in
            _ = try await ContactLookupTests.org(client, pending: 6)
            let carrier = LookupCarrier(failing: [ContactLookupTests.phone(2)], unknown: [ContactLookupTests.phone(4)])
            // A retry delay no loaded machine's pause between two calls reaches; time is moved by hand.
            let lookup = Self.service(client, carrier, retryAfter: .seconds(600), maxAttempts: 2)
            #expect(try await lookup.runOnce() == 6)
            // Not due yet: the two unresolved numbers wait out their retry delay.
            #expect(try await lookup.runOnce() == 0)
            try await client.query(
                "UPDATE contacts SET lookup_attempted_at = lookup_attempted_at - interval '601 seconds'")
            #expect(try await lookup.runOnce() == 2)
            // That was their last attempt: given up, never asked for again by the background lookup.
            try await client.query(
                "UPDATE contacts SET lookup_attempted_at = lookup_attempted_at - interval '2 hours'")
            #expect(try await lookup.runOnce() == 0)
            let pending = try await Self.pending(client)
            #expect(carrier.lookups == 8 && pending == 2)
            let attempts = try await client.query(
                "SELECT lookup_attempts::int FROM contacts WHERE is_textable IS NULL ORDER BY phone"
            ).map { try $0.decode(Int.self, at: 0) }
            #expect(attempts == [2, 2])
        }
    }

    @Test func replicasShareTheBacklogWithoutAskingTwiceForANumber() async throws {
        try await withTestDatabase { client, _ in
            _ = try await ContactLookupTests.org(client, pending: 120)
            let carrier = LookupCarrier()
            let replicas = (0..<3).map { _ in Self.service(client, carrier) }
            await withThrowingTaskGroup(of: Void.self) { group in
                for replica in replicas {
                    group.addTask { while try await replica.runOnce() > 0 {} }
                }
            }
            let pending = try await Self.pending(client)
            #expect(carrier.lookups == 120 && pending == 0)
        }
    }
}
