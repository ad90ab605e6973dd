public import AmplifiPostgres
public import Foundation

/// The scheduler's Postgres side: promotes scheduled campaigns that are due and
/// admits pending ones, fairly across organizations and within each
/// organization's limit of campaigns in flight.
///
/// Safe with several schedulers running: every status change is one guarded
/// UPDATE, and admission takes a per-organization transaction-scoped advisory lock
/// (`pg_try_advisory_xact_lock`) so two schedulers never admit for the same
/// organization at once and so can never exceed its limit together. An
/// organization locked by another scheduler is skipped, not waited for.
public struct CampaignAdmissions: Sendable {
    /// A campaign that changed status, with its organization.
    public struct Change: Sendable, Equatable {
        public var campaignID: UUID
        public var orgID: UUID
    }

    /// The advisory lock namespace for admission (first key of the two-int form).
    static let admissionLockSpace: Int32 = 0x616d_7001

    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    /// `scheduled → pending` for every campaign whose `scheduled_for` has come
    /// (by the database's clock, shared by every scheduler). One statement; a
    /// campaign promoted by another scheduler in the meantime fails the
    /// `status = 'scheduled'` re-check and is not returned twice.
    public func promoteDue(limit: Int = 1_000) async throws -> [Change] {
        let rows = try await client.query(
            """
            UPDATE campaigns c SET status = 'pending', status_reason = NULL
            FROM (
                SELECT org_id, id FROM campaigns
                WHERE status = 'scheduled' AND scheduled_for <= now()
                ORDER BY scheduled_for
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            ) due
            WHERE c.org_id = due.org_id AND c.id = due.id AND c.status = 'scheduled'
            RETURNING c.id, c.org_id
            """)
        return try rows.map { try Change(campaignID: $0.decode(UUID.self, at: 0), orgID: $0.decode(UUID.self, at: 1)) }
    }

    /// `pending → queued` for as many pending campaigns as each organization has
    /// free slots (`max_concurrent_campaigns` minus campaigns queued or sending),
    /// oldest first within an organization. Organizations with billing inactive
    /// are left pending. Returns the admitted campaigns, to be published.
    ///
    /// Two statements in one transaction, on purpose: the first takes the
    /// per-organization locks, the second (a new snapshot under READ COMMITTED)
    /// counts what is in flight only after the locks are held, so a count can
    /// never predate another scheduler's admission for the same organization.
    public func admitPending(maxOrganizations: Int = 100) async throws -> [Change] {
        try await client.withTransaction { connection in
            let locked = try await connection.query(
                """
                SELECT o.id FROM organizations o
                WHERE o.billing_active
                  AND EXISTS (SELECT 1 FROM campaigns c WHERE c.org_id = o.id AND c.status = 'pending')
                  AND pg_try_advisory_xact_lock(\(Self.admissionLockSpace), hashtext(o.id::text))
                LIMIT \(maxOrganizations)
                """
            ).map { try $0.decode(UUID.self, at: 0) }
            guard !locked.isEmpty else { return [] }
            let rows = try await connection.query(
                """
                WITH free AS (
                    SELECT o.id AS org_id,
                           o.max_concurrent_campaigns - (
                               SELECT count(*) FROM campaigns c
                               WHERE c.org_id = o.id AND c.status IN ('queued', 'sending')
                           ) AS slots
                    FROM organizations o
                    WHERE o.id = ANY(\(locked)::uuid[])
                ), ranked AS (
                    SELECT c.id, c.org_id,
                           row_number() OVER (PARTITION BY c.org_id ORDER BY c.status_changed_at, c.id) AS rank
                    FROM campaigns c
                    WHERE c.org_id = ANY(\(locked)::uuid[]) AND c.status = 'pending'
                )
                UPDATE campaigns c SET status = 'queued', status_reason = NULL
                FROM ranked r JOIN free f ON f.org_id = r.org_id
                WHERE c.id = r.id AND c.org_id = r.org_id AND r.rank <= f.slots AND c.status = 'pending'
                RETURNING c.id, c.org_id
                """)
            return try rows.map {
                try Change(campaignID: $0.decode(UUID.self, at: 0), orgID: $0.decode(UUID.self, at: 1))
            }
        }
    }

    /// Campaigns that Postgres says are `queued` (admitted, not yet planned), oldest first, each with
    /// whether it has been queued for longer than `staleAfter` (by the database's clock): the
    /// reconciler republishes those whose admission Redis no longer knows, and the stale ones
    /// whatever Redis says.
    public func queuedCampaigns(staleAfter: Duration, limit: Int = 1_000) async throws -> [(
        change: Change, stale: Bool
    )] {
        let rows = try await client.query(
            """
            SELECT id, org_id, status_changed_at <= now() - make_interval(secs => \(staleAfter.asSeconds)) FROM campaigns
            WHERE status = 'queued' ORDER BY status_changed_at LIMIT \(limit)
            """)
        return try rows.map { row in
            let (id, org, stale) = try row.decode((UUID, UUID, Bool).self)
            return (Change(campaignID: id, orgID: org), stale)
        }
    }
}
