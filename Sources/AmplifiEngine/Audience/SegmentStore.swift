import AmplifiMessaging
public import AmplifiPostgres
public import Foundation
public import Logging

/// An organization's segments: create, list, read, update, delete (softly) and preview. Every
/// statement filters by org_id, so another organization's id finds nothing (`NOT_FOUND`), and a
/// deleted segment is invisible. A filter is validated when saved, with the parser the campaign
/// planner uses, so a segment that saves is one the planner can run.
public struct SegmentStore: Sendable {
    /// The longest segment name.
    public static let maxNameLength = 200
    /// The most contacts a preview lists.
    public static let previewLimit = 10

    let client: PostgresClient
    let logger: Logger

    /// A store over `client`.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    // MARK: - SQL

    static let columns = "id, org_id, name, filter::text AS filter, created_at, updated_at, created_at::text AS cursor"

    static func insertQuery(orgID: UUID, name: String, filter: ContactFilter) -> PostgresQuery {
        """
        INSERT INTO segments (org_id, name, filter) VALUES (\(orgID), \(name), \(filter.jsonText)::jsonb)
        RETURNING \(unescaped: columns)
        """
    }

    static func updateQuery(orgID: UUID, segmentID: UUID, name: String?, filter: ContactFilter?) -> PostgresQuery {
        """
        UPDATE segments SET name = coalesce(\(name)::text, name), filter = coalesce(\(filter?.jsonText)::jsonb, filter)
        WHERE org_id = \(orgID) AND id = \(segmentID) AND deleted_at IS NULL
        RETURNING \(unescaped: columns)
        """
    }

    static func fetchQuery(orgID: UUID, segmentID: UUID) -> PostgresQuery {
        """
        SELECT \(unescaped: columns) FROM segments
        WHERE org_id = \(orgID) AND id = \(segmentID) AND deleted_at IS NULL
        """
    }

    // Newest first through segments_org_id_created_at_idx; `after` continues strictly after the
    // last row of the previous page.
    static func pageQuery(orgID: UUID, after: KeysetCursor?, limit: Int) -> PostgresQuery {
        """
        SELECT \(unescaped: columns) FROM segments
        WHERE org_id = \(orgID) AND deleted_at IS NULL
          AND (\(after?.timestamp)::timestamptz IS NULL
               OR (created_at, id) < (\(after?.timestamp)::timestamptz, \(after?.id)::uuid))
        ORDER BY created_at DESC, id DESC LIMIT \(limit)
        """
    }

    // The segment goes; the campaigns still waiting to be planned on it are counted, since they
    // will fail (the planner finds the segment deleted) unless given another audience.
    static func deleteQuery(orgID: UUID, segmentID: UUID) -> PostgresQuery {
        """
        WITH deleted AS (
            UPDATE segments SET deleted_at = now()
            WHERE org_id = \(orgID) AND id = \(segmentID) AND deleted_at IS NULL
            RETURNING id
        )
        SELECT (SELECT count(*) FROM deleted)::int,
               (SELECT count(*) FROM campaigns c
                WHERE c.org_id = \(orgID) AND c.segment_id = \(segmentID)
                  AND c.status IN ('draft', 'scheduled', 'pending'))::int
        """
    }

    // MARK: - Calls

    /// Saves a new segment from a JSON body `{"name", "filter"}`; throws every problem at once.
    public func create(orgID: UUID, json: Data) async throws -> Segment {
        let request = try SegmentRequest.parse(json: json, partial: false)
        guard let name = request.name, let filter = request.filter else {
            throw EngineError(.validationFailed, "name and filter are required")
        }
        let segment = try Self.decode(
            try await client.query(Self.insertQuery(orgID: orgID, name: name, filter: filter))[0])
        logger.info("segment created", metadata: ["org_id": .id(orgID), "segment_id": .id(segment.id)])
        return segment
    }

    /// Changes the name and/or filter given in a JSON body; `NOT_FOUND` when there is no such live segment.
    public func update(orgID: UUID, segmentID: UUID, json: Data) async throws -> Segment {
        let request = try SegmentRequest.parse(json: json, partial: true)
        let rows = try await client.query(
            Self.updateQuery(orgID: orgID, segmentID: segmentID, name: request.name, filter: request.filter))
        guard let row = rows.first else { throw Self.notFound(segmentID) }
        return try Self.decode(row)
    }

    /// The live segment, or nil.
    public func fetch(orgID: UUID, segmentID: UUID) async throws -> Segment? {
        try await client.query(Self.fetchQuery(orgID: orgID, segmentID: segmentID)).first.map(Self.decode)
    }

    /// A page of the organization's segments, newest first (`limit` 1…200).
    public func list(orgID: UUID, limit: Int = 50, cursor: String? = nil) async throws -> SegmentPage {
        let limit = max(1, min(limit, 200))
        let after = try cursor.map { text throws(EngineError) in try KeysetCursor(parsing: text) }
        let rows = try await client.query(Self.pageQuery(orgID: orgID, after: after, limit: limit + 1))
        let segments = try rows.prefix(limit).map(Self.decode)
        let next = try KeysetCursor.next(
            after: rows, limit: limit, lastKey: segments[limit - 1].id.uuidString.lowercased())
        return SegmentPage(segments: segments, nextCursor: next)
    }

    /// Deletes the segment (softly); returns how many campaigns waiting to be planned named it
    /// (they will fail with a reason unless given another audience). `NOT_FOUND` when there is no
    /// such live segment.
    public func delete(orgID: UUID, segmentID: UUID) async throws -> Int {
        let (deleted, waiting) = try await client.query(Self.deleteQuery(orgID: orgID, segmentID: segmentID))[0]
            .decode((Int, Int).self)
        guard deleted == 1 else { throw Self.notFound(segmentID) }
        logger.info(
            "segment deleted",
            metadata: ["org_id": .id(orgID), "segment_id": .id(segmentID), "waiting_campaigns": "\(waiting)"])
        return waiting
    }

    /// What the segment matches now: the count, how many a campaign would text, the first contacts.
    /// Two statements (the count, then the first rows), each through the planner's filter SQL.
    public func preview(orgID: UUID, segmentID: UUID, limit: Int = SegmentStore.previewLimit) async throws
        -> SegmentPreview
    {
        guard let segment = try await fetch(orgID: orgID, segmentID: segmentID) else { throw Self.notFound(segmentID) }
        let condition = segment.filter.sqlCondition(orgID: orgID)
        var count: PostgresQuery = """
            SELECT count(*)::int, count(*) FILTER (WHERE \(unescaped: AudiencePlanner.skipReasonSQL) IS NULL)::int
            FROM contacts c
            """
        count.append(" WHERE ")
        count.append(condition)
        let (total, sendable) = try await client.query(count)[0].decode((Int, Int).self)
        var first: PostgresQuery = """
            SELECT c.id, c.first_name, c.last_name, c.phone, c.email,
                   \(unescaped: AudiencePlanner.skipReasonSQL) AS skip_reason
            FROM contacts c
            """
        first.append(" WHERE ")
        first.append(condition)
        first.append(" ORDER BY c.id LIMIT \(max(0, limit))")
        let contacts = try await client.query(first).map { row in
            let (id, firstName, lastName, phone, email, skip) = try row.decode(
                (UUID, String?, String?, String?, String?, SkipReason?).self)
            return SegmentPreview.Contact(
                id: id.uuidString.lowercased(), firstName: firstName, lastName: lastName, phone: phone, email: email,
                skipReason: skip)
        }
        return SegmentPreview(count: total, sendable: sendable, contacts: contacts)
    }

    // MARK: - Helpers

    /// `NOT_FOUND` for segment `id` (another organization's, deleted, or never made).
    public static func notFound(_ id: UUID) -> EngineError {
        EngineError(.notFound, "no segment \(id.uuidString.lowercased()) in this organization")
    }

    static func decode(_ row: PostgresRow) throws -> Segment {
        let text: String = try row.decode(named: "filter")
        // Rows are written only through SegmentRequest's validation; a row edited by hand into
        // something the parser refuses is reported, never guessed.
        let filter = try ContactFilter.parse(json: Data(text.utf8), field: "filter").get()
        return Segment(
            id: try row.decode(named: "id"), orgID: try row.decode(named: "org_id"),
            name: try row.decode(named: "name"),
            filter: filter, createdAt: try row.decode(named: "created_at"),
            updatedAt: try row.decode(named: "updated_at"))
    }
}

/// The body of a segment create or update: `name` and `filter` (required to create; at least
/// one to update), each problem reported with its field.
struct SegmentRequest {
    static let knownKeys: Set<String> = ["name", "filter"]

    var name: String?
    var filter: ContactFilter?

    static func parse(json: Data, partial: Bool) throws(ValidationFailure) -> SegmentRequest {
        var reader: JSONFieldReader
        switch JSONFieldReader.object(json, what: "segment") {
        case .success(let object): reader = object
        case .failure(let problem): throw ValidationFailure([problem])
        }
        reader.rejectUnknownMembers(known: knownKeys, what: "segment")
        var request = SegmentRequest()
        if let name = reader.string("name") {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty {
                reader.problem("name", "must not be blank")
            } else if trimmed.count > SegmentStore.maxNameLength {
                reader.problem("name", "is \(trimmed.count) characters; at most \(SegmentStore.maxNameLength)")
            } else {
                request.name = trimmed
            }
        } else if !partial, reader.present("name") == nil {
            reader.problem("name", "is required")
        }
        if let value = reader.present("filter") {
            if case .object = value {
                switch ContactFilter.parse(json: value.data, field: "filter") {
                case .success(let filter): request.filter = filter
                case .failure(let failure):
                    for problem in failure.problems { reader.problem(problem.field ?? "filter", problem.message) }
                }
            } else {
                reader.problem("filter", "must be a JSON object such as {\"tags\": [\"vip\"]}, got \(value.typeName)")
            }
        } else if !partial {
            reader.problem(
                "filter", "is required: a contact filter such as {\"tags\": [\"vip\"]} ({} matches everyone)")
        }
        if partial, reader.problems.isEmpty, request.name == nil, request.filter == nil {
            reader.problem("body", "names nothing to change: give name and/or filter")
        }
        if !reader.problems.isEmpty { throw ValidationFailure(reader.problems) }
        return request
    }
}
