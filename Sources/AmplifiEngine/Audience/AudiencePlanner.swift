import AmplifiMessaging
public import AmplifiPostgres
public import Foundation
public import Logging

/// Expands a campaign's audience (its segment's filter or its own
/// `contactFilter`) into `campaign_messages` rows: one row per matching contact,
/// with suppression (`skipped` + `skip_reason`), the phone snapshot, the chunk
/// and the A/B variant. Memory stays flat: the audience is walked in keyset
/// pages on `contacts.id`, and each page is written by one statement.
///
/// Idempotent and resumable: `UNIQUE (org_id, campaign_id, contact_id)` with
/// `ON CONFLICT DO NOTHING` means no contact is ever planned twice, and each page
/// is a single statement, so a page lands whole or not at all. A run starts
/// after the greatest contact id already planned for the campaign, with the chunk
/// after that row's chunk: a rerun after a crash continues exactly where the
/// dead run stopped and numbers its pages exactly as the dead run would have
/// (pages are cut at the same ids as long as the contacts did not change), and a
/// rerun after a complete run writes nothing. Two planners racing on one
/// campaign start from the same cursor, cut the same pages and give the same
/// chunks; the unique key settles who inserts each row.
///
/// The audience is the contacts present when their page is read: contacts added
/// later with a greater id are picked up by a rerun, ones with a smaller id are
/// not (planning is a snapshot, as the product describes).
public struct AudiencePlanner: Sendable {
    /// Where contacts and campaigns live.
    public let client: PostgresClient
    /// Receives progress lines (ids and counts only, never phones or bodies).
    public let logger: Logger

    /// A planner writing through `client`.
    public init(client: PostgresClient, logger: Logger = Logger(label: "amplifi.audience")) {
        self.client = client
        self.logger = logger
    }

    /// Plans the campaign's audience in pages of `chunkSize` contacts (page N =
    /// chunk N) and records `audience_count` / `skipped_count` on the campaign.
    /// `pageLimit` stops after that many pages (the summary then says
    /// `isComplete == false`; run again to continue). Cancellation is honored
    /// between pages.
    public func expand(campaignID: UUID, orgID: UUID, chunkSize: Int = 1000, pageLimit: Int? = nil) async throws
        -> AudienceSummary
    {
        try Self.validate(chunkSize: chunkSize)
        let sampler = try ABSampler()
        return try await client.withConnection { connection in
            let campaign = try await loadCampaign(connection, campaignID: campaignID, orgID: orgID)
            let resume = try await connection.query(Self.resumePoint(orgID: orgID, campaignID: campaignID))
            var cursor = Self.startCursor
            var chunk = 0
            if let row = resume.first {
                (cursor, chunk) = try row.decode((UUID, Int).self)
                chunk += 1
            }
            let condition = campaign.filter.sqlCondition(orgID: orgID)
            var run = PageRun(cursor: cursor, chunk: chunk)
            if campaign.abTest {
                try await runABPages(
                    connection, run: &run, condition: condition, campaignID: campaignID, orgID: orgID,
                    chunkSize: chunkSize, pageLimit: pageLimit, sampler: sampler)
                try await connection.query(Self.releaseHeldQuery(orgID: orgID, campaignID: campaignID))
            } else {
                try await runPlainPages(
                    connection, run: &run, condition: condition, campaignID: campaignID, orgID: orgID,
                    chunkSize: chunkSize, pageLimit: pageLimit)
            }
            var summary = try await recordCounts(connection, campaignID: campaignID, orgID: orgID)
            summary.pagesThisRun = run.pages
            summary.insertedThisRun = run.inserted
            summary.isComplete = !run.stoppedEarly
            logger.info(
                "audience planned",
                metadata: [
                    "campaign_id": .id(campaignID), "org_id": .id(orgID), "audience": "\(summary.audienceCount)",
                    "skipped": "\(summary.skippedCount)", "held": "\(summary.heldCount)",
                    "pages": "\(run.pages)", "inserted": "\(run.inserted)", "complete": "\(summary.isComplete)",
                ])
            return summary
        }
    }

    /// Contacts per page a planner accepts.
    static let chunkSizes = 1...100_000

    /// Throws `VALIDATION_FAILED` for a page size outside ``chunkSizes`` (a worker setting, not campaign data).
    static func validate(chunkSize: Int) throws(EngineError) {
        guard chunkSizes.contains(chunkSize) else {
            throw EngineError(
                .validationFailed,
                "chunk size must be between \(chunkSizes.lowerBound) and \(chunkSizes.upperBound) contacts",
                field: "chunkSize")
        }
    }

    // MARK: - Campaign

    /// The planning inputs of one campaign.
    struct CampaignAudience {
        var abTest: Bool
        var filter: ContactFilter
    }

    /// The segment's filter wins when the campaign names a segment (the schema
    /// allows exactly one of the two once submitted); org_id in the join keeps
    /// another org's segment out even if an id were guessed. A deleted segment
    /// (017) fails the campaign: its audience is gone.
    static func campaignQuery(orgID: UUID, campaignID: UUID) -> PostgresQuery {
        """
        SELECT c.ab_test, c.segment_id, coalesce(s.filter, c.contact_filter)::text, s.deleted_at IS NOT NULL
        FROM campaigns c
        LEFT JOIN segments s ON s.org_id = c.org_id AND s.id = c.segment_id
        WHERE c.org_id = \(orgID) AND c.id = \(campaignID)
        """
    }

    func loadCampaign(_ connection: PostgresConnection, campaignID: UUID, orgID: UUID) async throws -> CampaignAudience
    {
        let result = try await connection.query(Self.campaignQuery(orgID: orgID, campaignID: campaignID))
        guard let row = result.first else {
            throw EngineError(
                .notFound, "campaign \(campaignID) does not exist in this organization", field: "campaignId")
        }
        let (abTest, segmentID, filterText, segmentDeleted) = try row.decode((Bool, UUID?, String?, Bool?).self)
        if let segmentID, segmentDeleted == true {
            throw EngineError(
                .validationFailed,
                "segment \(segmentID.uuidString.lowercased()) was deleted; give the campaign another audience",
                field: "segmentId")
        }
        let field = segmentID == nil ? "contactFilter" : "segment.filter"
        guard let filterText else {
            throw EngineError(
                .validationFailed, "the campaign has no audience: set segmentId or contactFilter before planning",
                field: "contactFilter")
        }
        switch ContactFilter.parse(json: Data(filterText.utf8), field: field) {
        case .success(let filter): return CampaignAudience(abTest: abTest, filter: filter)
        case .failure(let failure): throw failure
        }
    }

    // MARK: - Pages

    /// Progress of one run.
    struct PageRun {
        var cursor: UUID
        var chunk: Int
        var pages = 0
        var inserted = 0
        var stoppedEarly = false
    }

    /// Below every random UUID: the keyset cursor of the first page.
    static let startCursor = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    /// Where a rerun continues: the greatest contact already planned and its
    /// chunk. A backward scan of the UNIQUE (campaign_id, contact_id) index
    /// reads one entry, however big the campaign. (No max(uuid) aggregate in PG 15.)
    static func resumePoint(orgID: UUID, campaignID: UUID) -> PostgresQuery {
        """
        SELECT contact_id, chunk FROM campaign_messages
        WHERE org_id = \(orgID) AND campaign_id = \(campaignID)
        ORDER BY contact_id DESC LIMIT 1
        """
    }

    /// Why a contact cannot be texted, in order of precedence: the opt-out is
    /// the legal one, then there is no number, then the carrier lookup says
    /// landline/VOIP or has not answered yet. NULL = sendable. (contact_deleted
    /// only when a contact is anonymized between reading a page and writing it.)
    public static let skipReasonSQL = """
        CASE WHEN c.deleted_at IS NOT NULL THEN 'contact_deleted' \
        WHEN c.opted_out_at IS NOT NULL THEN 'opted_out' \
        WHEN c.phone IS NULL THEN 'no_phone' \
        WHEN c.is_textable IS FALSE THEN 'not_textable' \
        WHEN c.is_textable IS NULL THEN 'lookup_pending' END
        """

    /// One page of a campaign without A/B, in ONE statement: the keyset page
    /// (served by the (org_id, id) unique index, in id order, so no sort), its
    /// insert with suppression decided in SQL, and the page's size, last id and
    /// inserted count for the next round. The page CTE is read three times, so
    /// Postgres materializes it once; memory on both sides is one page.
    static func plainPage(
        condition: PostgresQuery, orgID: UUID, campaignID: UUID, cursor: UUID, chunk: Int, limit: Int
    ) -> PostgresQuery {
        var query: PostgresQuery =
            "WITH page AS (SELECT c.id, c.phone, \(unescaped: skipReasonSQL) AS skip_reason FROM contacts c WHERE "
        query.append(condition)
        query.append(
            """
             AND c.id > \(cursor)::uuid ORDER BY c.id LIMIT \(limit)::bigint), \
            planned AS (INSERT INTO campaign_messages (org_id, campaign_id, contact_id, phone, variant, chunk, status, skip_reason) \
            SELECT \(orgID)::uuid, \(campaignID)::uuid, p.id, p.phone, NULL, \(chunk)::integer, \
            CASE WHEN p.skip_reason IS NULL THEN 'pending' ELSE 'skipped' END, p.skip_reason \
            FROM page p ORDER BY p.id \
            ON CONFLICT (org_id, campaign_id, contact_id) DO NOTHING RETURNING 1) \
            SELECT (SELECT count(*) FROM page), (SELECT id FROM page ORDER BY id DESC LIMIT 1), (SELECT count(*) FROM planned)
            """)
        return query
    }

    /// The ids of one keyset page (A/B campaigns: variants are computed in Swift
    /// with the same hash every worker uses, so SQL only supplies the ids).
    static func idPage(condition: PostgresQuery, cursor: UUID, limit: Int) -> PostgresQuery {
        var query: PostgresQuery = "SELECT c.id FROM contacts c WHERE "
        query.append(condition)
        query.append(" AND c.id > \(cursor)::uuid ORDER BY c.id LIMIT \(limit)::bigint")
        return query
    }

    /// One A/B page in one statement: ids and variants travel as two arrays,
    /// the contact row (phone snapshot, suppression) is re-read by primary key in
    /// the same statement, so what is stored is what the contact is now.
    /// Variants travel as one string of one-letter codes (`A`, `B`, `m` = main),
    /// split by `string_to_array(codes, NULL)` (one element per character, linear)
    /// and zipped with the ids by a two-array unnest: 1 byte per contact
    /// instead of a quoted array element.
    ///
    /// The holdout's status (`held` until a winner is picked, `pending` after) is read from the
    /// campaign row in the same statement, `FOR SHARE`: that lock conflicts with the row lock of
    /// ``ABWinnerSelection``'s `UPDATE … SET ab_winner`, so a page either waits for a winner being
    /// committed and sees it (its main rows go `pending`), or commits first and then the winner's
    /// release (which waits for the page) turns its `held` rows `pending`. No page is left `held`
    /// behind a winner.
    static func abInsert(orgID: UUID, campaignID: UUID, ids: [UUID], variantCodes: String, chunk: Int) -> PostgresQuery
    {
        """
        WITH winner AS (
            SELECT CASE WHEN ab_winner IS NULL THEN 'held' ELSE 'pending' END AS holdout
            FROM campaigns WHERE org_id = \(orgID)::uuid AND id = \(campaignID)::uuid
            FOR SHARE
        ) \
        INSERT INTO campaign_messages (org_id, campaign_id, contact_id, phone, variant, chunk, status, skip_reason) \
        SELECT \(orgID)::uuid, \(campaignID)::uuid, c.id, c.phone, v.variant, \(chunk)::integer, \
        CASE WHEN k.skip_reason IS NOT NULL THEN 'skipped' WHEN v.variant = 'main' THEN w.holdout ELSE 'pending' END, \
        k.skip_reason \
        FROM (SELECT u.id, CASE u.code WHEN 'A' THEN 'A' WHEN 'B' THEN 'B' ELSE 'main' END \
              FROM unnest(\(UUIDArrayParameter(ids: ids))::uuid[], string_to_array(\(variantCodes)::text, NULL)) \
              AS u(id, code)) AS v(id, variant) \
        JOIN contacts c ON c.org_id = \(orgID)::uuid AND c.id = v.id \
        CROSS JOIN winner w \
        CROSS JOIN LATERAL (SELECT \(unescaped: skipReasonSQL) AS skip_reason) k \
        ORDER BY c.id \
        ON CONFLICT (org_id, campaign_id, contact_id) DO NOTHING
        """
    }

    /// After the last A/B page: `held` rows of a campaign whose winner is set become `pending` (rows
    /// a planner wrote before a winner picked while no planner held the campaign, e.g. between a
    /// crash and the rerun). The page statements already make this rare; this makes it never.
    static func releaseHeldQuery(orgID: UUID, campaignID: UUID) -> PostgresQuery {
        """
        UPDATE campaign_messages SET status = 'pending', status_updated_at = now()
        WHERE org_id = \(orgID) AND campaign_id = \(campaignID) AND status = 'held'
          AND EXISTS (SELECT 1 FROM campaigns
                      WHERE org_id = \(orgID) AND id = \(campaignID) AND ab_winner IS NOT NULL)
        """
    }

    /// A page id, parsed without Foundation's slower UUID(uuidString:).
    static func decodeID(_ row: PostgresRow) throws -> UUID {
        let text = try row.decode(String.self, at: 0)
        guard let id = UUIDText.parse(text) else {
            throw EngineError(.validationFailed, "the database returned \"\(text)\" where a contact id was expected")
        }
        return id
    }

    func runPlainPages(
        _ connection: PostgresConnection, run: inout PageRun, condition: PostgresQuery, campaignID: UUID, orgID: UUID,
        chunkSize: Int, pageLimit: Int?
    ) async throws {
        while true {
            try Task.checkCancellation()
            if let pageLimit, run.pages >= pageLimit {
                run.stoppedEarly = true
                return
            }
            let statement = Self.plainPage(
                condition: condition, orgID: orgID, campaignID: campaignID, cursor: run.cursor, chunk: run.chunk,
                limit: chunkSize)
            let result = try await connection.query(statement)
            let (count, last, inserted) = try result[0].decode((Int, UUID?, Int).self)
            guard count > 0, let last else { return }
            run.pages += 1
            run.inserted += inserted
            run.cursor = last
            run.chunk += 1
            logger.debug(
                "audience page",
                metadata: ["campaign_id": .id(campaignID), "chunk": "\(run.chunk - 1)", "rows": "\(count)"])
            if count < chunkSize { return }
        }
    }

    /// The A/B loop costs one round-trip per page too: page N's insert and page
    /// N+1's id select go out together in one pipeline (the next cursor is page
    /// N's last id, known before the insert).
    func runABPages(
        _ connection: PostgresConnection, run: inout PageRun, condition: PostgresQuery, campaignID: UUID, orgID: UUID,
        chunkSize: Int, pageLimit: Int?, sampler: ABSampler
    ) async throws {
        if let pageLimit, pageLimit <= 0 {
            run.stoppedEarly = true
            return
        }
        try Task.checkCancellation()
        var ids = try await connection.query(Self.idPage(condition: condition, cursor: run.cursor, limit: chunkSize))
            .map(Self.decodeID)
        while let last = ids.last {
            try Task.checkCancellation()
            var codes: [UInt8] = []
            codes.reserveCapacity(ids.count)
            for id in ids {
                switch sampler.assignment(campaignID: campaignID, contactID: id) {
                case .variantA: codes.append(UInt8(ascii: "A"))
                case .variantB: codes.append(UInt8(ascii: "B"))
                case .holdout: codes.append(UInt8(ascii: "m"))
                }
            }
            let insert = Self.abInsert(
                orgID: orgID, campaignID: campaignID, ids: ids, variantCodes: String(decoding: codes, as: UTF8.self),
                chunk: run.chunk)
            run.pages += 1
            let fullPage = ids.count == chunkSize
            let limitReached = pageLimit.map { run.pages >= $0 } ?? false
            if fullPage && !limitReached {
                let results = try await connection.pipeline([
                    insert, Self.idPage(condition: condition, cursor: last, limit: chunkSize),
                ])
                run.inserted += results[0].affectedRows
                ids = try results[1].map(Self.decodeID)
            } else {
                run.inserted += try await connection.query(insert).affectedRows
                ids = []
                run.stoppedEarly = fullPage && limitReached
            }
            logger.debug("audience page", metadata: ["campaign_id": .id(campaignID), "chunk": "\(run.chunk)"])
            run.cursor = last
            run.chunk += 1
        }
    }

    // MARK: - Counts

    /// The summary and the campaign's counters from one aggregate over the
    /// campaign's rows (not from this run's tallies), so a rerun after a crash
    /// reports and records the same numbers as an uninterrupted run. The UPDATE
    /// is a data-modifying CTE: one round-trip, and it runs even though the
    /// outer SELECT does not read it.
    static func countsQuery(orgID: UUID, campaignID: UUID) -> PostgresQuery {
        """
        WITH counts AS (
            SELECT status, skip_reason, variant, count(*) AS n,
                   CASE WHEN status = 'pending' THEN array_agg(DISTINCT chunk ORDER BY chunk) END AS chunks
            FROM campaign_messages
            WHERE org_id = \(orgID) AND campaign_id = \(campaignID)
            GROUP BY status, skip_reason, variant
        ), recorded AS (
            UPDATE campaigns
            SET audience_count = (SELECT coalesce(sum(n), 0) FROM counts),
                skipped_count = (SELECT coalesce(sum(n), 0) FROM counts WHERE status = 'skipped')
            WHERE org_id = \(orgID) AND id = \(campaignID)
            RETURNING 1
        )
        SELECT status, skip_reason, variant, n, chunks FROM counts
        """
    }

    func recordCounts(_ connection: PostgresConnection, campaignID: UUID, orgID: UUID) async throws -> AudienceSummary {
        let result = try await connection.query(Self.countsQuery(orgID: orgID, campaignID: campaignID))
        var summary = AudienceSummary()
        var chunks = Set<Int>()
        for row in result {
            let (status, skipReason, variant, count, pendingChunks) = try row.decode(
                (MessageStatus, String?, String?, Int, [Int]?).self)
            summary.audienceCount += count
            if let skipReason { summary.skippedByReason[skipReason, default: 0] += count }
            if status == .pending { summary.pendingCount += count }
            if status == .held { summary.heldCount += count }
            if let variant { summary.variantCounts[variant, default: 0] += count }
            chunks.formUnion(pendingChunks ?? [])
        }
        summary.sendableChunks = chunks.sorted()
        return summary
    }
}
