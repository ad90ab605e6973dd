import AmplifiBench
import AmplifiEngine
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

@Suite("ContactFilter SQL")
struct ContactFilterSQLTests {
    let org = UUID(uuidString: "11111111-2222-3333-4444-555555555555")!

    @Test func emptyFilterIsTenantAndNotDeleted() {
        let query = ContactFilter().sqlCondition(orgID: org)
        #expect(query.sql == "c.org_id = $1 AND c.deleted_at IS NULL")
        #expect(query.binds == [org.uuidString.lowercased()])
    }

    @Test func everyPredicateBindsItsValuesInOrder() {
        let filter = ContactFilter(
            tags: ["vip", "x'y"], tagsLogic: .and, isTextable: true, optedOut: false, hasEmail: true, hasPhone: false,
            state: ["NC", "SC"], zip: "27601", search: "o'neil%")
        let query = filter.sqlCondition(orgID: org)
        #expect(
            query.sql
                == "c.org_id = $1 AND c.deleted_at IS NULL AND c.tags @> $2::text[] AND c.is_textable IS TRUE"
                + " AND c.opted_out_at IS NULL AND (c.email IS NOT NULL AND btrim(c.email) <> '') AND c.phone IS NULL"
                + " AND c.state = ANY($3::text[]) AND c.zip = $4"
                + " AND (lower(c.first_name) LIKE $5 ESCAPE '\\' OR lower(c.last_name) LIKE $5 ESCAPE '\\'"
                + " OR lower(c.email) LIKE $5 ESCAPE '\\'"
                + " OR lower(c.first_name) % $6 OR lower(c.last_name) % $6 OR lower(c.email) % $6)")
        #expect(query.binds.count == 6)
        #expect(query.binds[4] == "%o'neil\\%%" && query.binds[5] == "o'neil%")
        // User text never reaches the SQL.
        #expect(!query.sql.contains("vip") && !query.sql.contains("o'neil") && !query.sql.contains("27601"))
    }

    @Test func orLogicIsTheDefaultAndUsesOverlap() {
        #expect(ContactFilter(tags: ["a"]).sqlCondition(orgID: org).sql.hasSuffix("c.tags && $2::text[]"))
        #expect(
            ContactFilter(tags: ["a"], tagsLogic: .or).sqlCondition(orgID: org).sql.hasSuffix("c.tags && $2::text[]"))
        #expect(ContactFilter(tags: []).sqlCondition(orgID: org).binds.count == 1)
    }

    @Test func likePatternEscapesWildcards() {
        #expect(ContactFilter.likePattern(containing: "50%_a\\b") == "%50\\%\\_a\\\\b%")
    }

    @Test func appendRenumbersPlaceholders() {
        var query: PostgresQuery = "SELECT \(1), \(2) WHERE "
        query.append(ContactFilter(zip: "1").sqlCondition(orgID: org))
        query.append(" LIMIT \(5)")
        #expect(query.sql == "SELECT $1, $2 WHERE c.org_id = $3 AND c.deleted_at IS NULL AND c.zip = $4 LIMIT $5")
        #expect(query.binds == ["1", "2", org.uuidString.lowercased(), "1", "5"])
    }

    /// The ids of `org`'s contacts matching `filter`, as the database evaluates it.
    func matches(_ client: PostgresClient, _ org: UUID, _ filter: ContactFilter) async throws -> Set<UUID> {
        var query: PostgresQuery = "SELECT c.id FROM contacts c WHERE "
        query.append(filter.sqlCondition(orgID: org))
        return Set(try await client.query(query).map { try $0.decode(UUID.self, at: 0) })
    }

    @Test func semanticsAgainstPostgres() async throws {
        try await withTestDatabase { client, _ in
            let org = try await AudienceFixtures.createOrg(client)
            let other = try await AudienceFixtures.createOrg(client, name: "Other org")
            typealias F = AudienceFixtures
            let vipDonor = try await F.contact(
                client, org: org, phone: "+19195550001", first: "Ann", last: "O'Neil", email: "ann@example.com",
                state: "NC", zip: "27601", tags: ["vip", "donor"])
            let vip = try await F.contact(
                client, org: org, phone: "+19195550002", first: "Bob", last: "50%_Off", email: "  ", state: "SC",
                zip: "29401", tags: ["vip"], textable: false)
            let donor = try await F.contact(
                client, org: org, phone: "+19195550003", first: "cara", email: "CARA@Example.com", state: "CA",
                tags: ["donor"], textable: nil, optedOut: true)
            let noPhone = try await F.contact(
                client, org: org, first: "Dan", last: "a\\b", email: "dan@x.org", state: "NC")
            // Never matched: deleted, or another org's.
            try await F.contact(client, org: org, tags: ["vip"], textable: nil, deleted: true)
            try await F.contact(client, org: other, phone: "+19195550001", first: "Ann", tags: ["vip", "donor"])
            let all: Set = [vipDonor, vip, donor, noPhone]

            #expect(try await matches(client, org, ContactFilter()) == all)
            #expect(
                try await matches(client, org, ContactFilter(tags: ["vip", "donor"], tagsLogic: .and)) == [vipDonor])
            #expect(try await matches(client, org, ContactFilter(tags: ["vip", "donor"])) == [vipDonor, vip, donor])
            #expect(try await matches(client, org, ContactFilter(tags: ["nope"])) == [])
            #expect(try await matches(client, org, ContactFilter(isTextable: true)) == [vipDonor, noPhone])
            #expect(try await matches(client, org, ContactFilter(isTextable: false)) == [vip])
            #expect(try await matches(client, org, ContactFilter(optedOut: true)) == [donor])
            #expect(try await matches(client, org, ContactFilter(optedOut: false)) == [vipDonor, vip, noPhone])
            #expect(try await matches(client, org, ContactFilter(hasEmail: true)) == [vipDonor, donor, noPhone])
            #expect(try await matches(client, org, ContactFilter(hasEmail: false)) == [vip])
            #expect(try await matches(client, org, ContactFilter(hasPhone: true)) == [vipDonor, vip, donor])
            #expect(try await matches(client, org, ContactFilter(hasPhone: false)) == [noPhone])
            #expect(try await matches(client, org, ContactFilter(state: ["NC", "SC"])) == [vipDonor, vip, noPhone])
            #expect(try await matches(client, org, ContactFilter(zip: "27601")) == [vipDonor])
            #expect(try await matches(client, org, ContactFilter(search: "CARA")) == [donor])
            #expect(try await matches(client, org, ContactFilter(search: "example.com")) == [vipDonor, donor])
            #expect(try await matches(client, org, ContactFilter(search: "o'neil")) == [vipDonor])
            #expect(try await matches(client, org, ContactFilter(search: "5550002")) == [vip])
            #expect(try await matches(client, org, ContactFilter(search: "(919) 555-0002")) == [vip])
            // Wildcards in the user's text are literal.
            #expect(try await matches(client, org, ContactFilter(search: "50%_")) == [vip])
            #expect(try await matches(client, org, ContactFilter(search: "_")) == [])
            #expect(try await matches(client, org, ContactFilter(search: "a\\b")) == [noPhone])
            // Shorter than three characters: the beginning of a name or email.
            #expect(try await matches(client, org, ContactFilter(search: "an")) == [vipDonor])
            #expect(try await matches(client, org, ContactFilter(search: "D")) == [noPhone])
            // Combined: AND of every predicate.
            #expect(
                try await matches(client, org, ContactFilter(tags: ["vip"], isTextable: true, state: ["NC"])) == [
                    vipDonor
                ])
        }
    }

    /// A misspelt name is found (trigram similarity), a merely similar-looking one is not, and the
    /// search is served by its index, also for a campaign audience or a segment (one definition).
    @Test func aMisspeltNameIsFoundThroughTheSearchIndex() async throws {
        try await withTestDatabase { client, _ in
            let org = try await AudienceFixtures.createOrg(client)
            typealias F = AudienceFixtures
            let john = try await F.contact(client, org: org, phone: "+19195550011", first: "John", last: "Smith")
            let joseph = try await F.contact(client, org: org, phone: "+19195550012", first: "Joseph", last: "Brown")
            let mary = try await F.contact(client, org: org, phone: "+19195550013", first: "Mary", last: "Jones")
            // A swapped letter in a four-letter name is 0.25 similar; Joseph shares only "jo" (0.2).
            let jonh = try await matches(client, org, ContactFilter(search: "Jonh"))
            #expect(jonh.contains(john) && !jonh.contains(joseph), "\(jonh)")
            #expect(try await matches(client, org, ContactFilter(search: "Smiht")) == [john])
            #expect(try await matches(client, org, ContactFilter(search: "jones")) == [mary])
            #expect(try await matches(client, org, ContactFilter(search: "Jo")) == [john, joseph, mary])

            try await client.withConnection { connection in
                try await GeneratedContacts(orgID: org, count: 20_000).copy(into: connection)
                // As autovacuum would: the GIN index's pending list (a bulk load's fast path) merged.
                try await connection.execute(script: "VACUUM ANALYZE contacts")
            }
            var query: PostgresQuery = "EXPLAIN SELECT c.id FROM contacts c WHERE "
            query.append(ContactFilter(search: "Jonh").sqlCondition(orgID: org))
            let plan = try await client.withConnection { connection in
                try await connection.execute(script: "SET enable_seqscan = off")
                return try await connection.query(query).map { try $0.decode(String.self, at: 0) }.joined(
                    separator: "\n")
            }
            #expect(plan.contains("contacts_search_trgm_idx"), "\(plan)")
        }
    }

    @Test func tagFiltersCanUseTheTenantTagIndex() async throws {
        try await withTestDatabase { client, _ in
            let org = try await AudienceFixtures.createOrg(client)
            try await client.withConnection { connection in
                try await GeneratedContacts(orgID: org, count: 3000).copy(into: connection)
                try await connection.execute(script: "ANALYZE contacts")
            }
            try await AudienceFixtures.contact(client, org: org, tags: ["rare"])
            var query: PostgresQuery = "EXPLAIN SELECT c.id FROM contacts c WHERE "
            query.append(ContactFilter(tags: ["rare"], tagsLogic: .and).sqlCondition(orgID: org))
            let plan = try await client.withConnection { connection in
                // A 3000-row table fits in a few pages; only forbid the seq scan so the
                // planner must show which index serves the operator.
                try await connection.execute(script: "SET enable_seqscan = off")
                return try await connection.query(query).map { try $0.decode(String.self, at: 0) }.joined(
                    separator: "\n")
            }
            #expect(plan.contains("contacts_org_id_tags_idx"), "\(plan)")
        }
    }
}
