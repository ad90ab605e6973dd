import AmplifiEngine
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

@Suite("Scheduler admissions: promotion, per-organization limits, fairness, racing schedulers")
struct CampaignAdmissionsTests {
    /// Inserts an organization (max campaigns in flight) and `pending` campaigns with a contact filter.
    static func seed(
        _ client: PostgresClient, campaigns: Int, maxInFlight: Int = 2, status: String = "pending",
        scheduledFor: String? = nil
    ) async throws -> UUID {
        let org = try await client.query(
            "INSERT INTO organizations (name, max_concurrent_campaigns) VALUES ('org', \(maxInFlight)) RETURNING id"
        )[0].decode(UUID.self, at: 0)
        for index in 0..<campaigns {
            try await client.query(
                """
                INSERT INTO campaigns (org_id, name, message, contact_filter, status, scheduled_for)
                VALUES (\(org), \("campaign \(index)"), 'Hi', '{}'::jsonb, \(status), \(scheduledFor)::timestamptz)
                """)
        }
        return org
    }

    static func statusCounts(_ client: PostgresClient, org: UUID) async throws -> [String: Int] {
        let rows = try await client.query(
            "SELECT status, count(*)::int FROM campaigns WHERE org_id = \(org) GROUP BY status")
        return Dictionary(uniqueKeysWithValues: try rows.map { try $0.decode((String, Int).self) })
    }

    @Test func dueScheduledCampaignsArePromotedOnce() async throws {
        try await withTestDatabase { client, _ in
            let past = try await Self.seed(
                client, campaigns: 3, status: "scheduled", scheduledFor: "2020-01-01T00:00:00Z")
            let future = try await Self.seed(
                client, campaigns: 2, status: "scheduled", scheduledFor: "2999-01-01T00:00:00Z")
            let admissions = CampaignAdmissions(client: client)
            async let first = admissions.promoteDue()
            async let second = admissions.promoteDue()
            let promoted = try await first + second
            #expect(promoted.count == 3)
            #expect(Set(promoted.map(\.campaignID)).count == 3)
            #expect(try await Self.statusCounts(client, org: past) == ["pending": 3])
            #expect(try await Self.statusCounts(client, org: future) == ["scheduled": 2])
        }
    }

    @Test func admissionRespectsEachOrganizationsLimit() async throws {
        try await withTestDatabase { client, _ in
            let org = try await Self.seed(client, campaigns: 5, maxInFlight: 2)
            let admissions = CampaignAdmissions(client: client)
            #expect(try await admissions.admitPending().count == 2)
            #expect(try await admissions.admitPending().isEmpty)
            #expect(try await Self.statusCounts(client, org: org) == ["queued": 2, "pending": 3])
            // One finishes: one more slot.
            try await client.query(
                "UPDATE campaigns SET status = 'completed' WHERE id = (SELECT id FROM campaigns WHERE org_id = \(org) AND status = 'queued' LIMIT 1)"
            )
            #expect(try await admissions.admitPending().count == 1)
        }
    }

    @Test func admissionIsFairAcrossOrganizations() async throws {
        try await withTestDatabase { client, _ in
            let big = try await Self.seed(client, campaigns: 20, maxInFlight: 1)
            let small = try await Self.seed(client, campaigns: 1, maxInFlight: 1)
            let admitted = try await CampaignAdmissions(client: client).admitPending()
            #expect(Set(admitted.map(\.orgID)) == [big, small])
        }
    }

    @Test func racingSchedulersNeverExceedTheLimitOrAdmitTwice() async throws {
        try await withTestDatabase(maxConnections: 8) { client, _ in
            var orgs: [UUID] = []
            for _ in 0..<10 { orgs.append(try await Self.seed(client, campaigns: 6, maxInFlight: 3)) }
            let admissions = CampaignAdmissions(client: client)
            let admitted = try await withThrowingTaskGroup(of: [CampaignAdmissions.Change].self) { group in
                for _ in 0..<6 { group.addTask { try await admissions.admitPending() + admissions.admitPending() } }
                return try await group.reduce([], +)
            }
            #expect(admitted.count == Set(admitted.map(\.campaignID)).count, "a campaign was admitted twice")
            for org in orgs {
                #expect(try await Self.statusCounts(client, org: org)["queued"] ?? 0 <= 3)
            }
            #expect(admitted.count <= 30)
        }
    }

    @Test func inactiveBillingKeepsCampaignsPending() async throws {
        try await withTestDatabase { client, _ in
            let org = try await Self.seed(client, campaigns: 1)
            try await client.query("UPDATE organizations SET billing_active = false WHERE id = \(org)")
            #expect(try await CampaignAdmissions(client: client).admitPending().isEmpty)
        }
    }
}
