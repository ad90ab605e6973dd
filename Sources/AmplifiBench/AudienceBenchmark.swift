import AmplifiEngine
public import AmplifiPostgres
import Foundation
public import Logging

/// Measures audience expansion against raw Postgres write throughput in the same
/// database: N generated contacts (COPY), then the same rows written once by a
/// plain `INSERT … SELECT` (the ceiling) and once by ``AudiencePlanner``.
/// Not a test: `amplifi bench` runs it against a real server.
public enum AudienceBenchmark {
    /// Creates an organization with `contacts` generated contacts and two
    /// campaigns, times both writes, prints the report (when `printReport`) and
    /// returns it. Leaves the data in place (use a scratch database).
    public static func run(
        client: PostgresClient, contacts: Int, chunkSize: Int = 1000, abTest: Bool = false, printReport: Bool = true,
        logger: Logger = Logger(label: "amplifi.audience.bench")
    ) async throws -> AudienceBenchmarkResult {
        let clock = ContinuousClock()
        let (orgID, loadTime, rawCampaign, plannedCampaign) = try await client.withConnection { connection in
            let orgID = try await connection.query(
                "INSERT INTO organizations (name) VALUES (\("bench \(contacts)")) RETURNING id")[0].decode(
                    UUID.self, at: 0)
            let loadStart = clock.now
            try await GeneratedContacts(orgID: orgID, count: contacts).copy(into: connection)
            // VACUUM sets the hint bits and visibility map of the fresh rows now, so
            // neither write below pays for that first touch (it would favor whoever runs second).
            try await connection.execute(script: "VACUUM ANALYZE contacts")
            let loadTime = clock.now - loadStart
            let raw = try await createCampaign(connection, orgID: orgID, name: "raw", abTest: false)
            let planned = try await createCampaign(connection, orgID: orgID, name: "planner", abTest: abTest)
            return (orgID, loadTime, raw, planned)
        }
        let rawStart = clock.now
        let rawRows = try await client.query(rawInsert(orgID: orgID, campaignID: rawCampaign)).affectedRows
        let rawTime = clock.now - rawStart

        let planner = AudiencePlanner(client: client, logger: logger)
        let plannerStart = clock.now
        let summary = try await planner.expand(campaignID: plannedCampaign, orgID: orgID, chunkSize: chunkSize)
        let plannerTime = clock.now - plannerStart

        let result = AudienceBenchmarkResult(
            contacts: contacts, chunkSize: chunkSize, abTest: abTest, loadSeconds: loadTime.asSeconds,
            rawRows: rawRows, rawSeconds: rawTime.asSeconds, plannerRows: summary.audienceCount,
            plannerSeconds: plannerTime.asSeconds)
        if printReport { print(result.description) }
        return result
    }

    /// A submitted (queued) campaign whose audience is every contact.
    static func createCampaign(_ connection: PostgresConnection, orgID: UUID, name: String, abTest: Bool) async throws
        -> UUID
    {
        try await connection.query(
            """
            INSERT INTO campaigns (org_id, name, message, contact_filter, status, ab_test, message_variant_a, message_variant_b)
            VALUES (\(orgID), \(name), 'Hi {{firstName}}', '{}'::jsonb, 'queued', \(abTest),
                    \(abTest ? "Variant A" : nil), \(abTest ? "Variant B" : nil))
            RETURNING id
            """)[0].decode(UUID.self, at: 0)
    }

    /// The ceiling: the same rows (suppression included, no variants, one chunk)
    /// in one statement, no paging, no round-trips.
    static func rawInsert(orgID: UUID, campaignID: UUID) -> PostgresQuery {
        """
        INSERT INTO campaign_messages (org_id, campaign_id, contact_id, phone, chunk, status, skip_reason)
        SELECT \(orgID)::uuid, \(campaignID)::uuid, c.id, c.phone, 0,
               CASE WHEN k.skip_reason IS NULL THEN 'pending' ELSE 'skipped' END, k.skip_reason
        FROM contacts c CROSS JOIN LATERAL (SELECT \(unescaped: AudiencePlanner.skipReasonSQL) AS skip_reason) k
        WHERE c.org_id = \(orgID)::uuid AND c.deleted_at IS NULL
        ON CONFLICT (org_id, campaign_id, contact_id) DO NOTHING
        """
    }
}
