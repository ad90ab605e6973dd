import AmplifiMessaging
public import AmplifiPostgres
public import Foundation
public import Logging

/// Imports a contacts CSV into an organization, streaming: constant memory whatever the
/// file size (one read buffer, one batch of rows, the capped rejection list).
///
/// Each batch of up to `batchSize` distinct phones is ONE `INSERT … SELECT FROM unnest(…)
/// ON CONFLICT (org_id, phone) DO UPDATE` statement, i.e. its own transaction. A crash
/// leaves whole batches imported and the rest not; rerunning the same file is safe because
/// the merge is idempotent (same file → same contacts; only `updated_at` moves).
///
/// Merge rules for a phone that already exists (in the database or earlier in the file):
/// non-empty imported fields overwrite, empty ones keep the stored value; tags are unioned;
/// custom fields are merged key by key; `isTextable` overwrites only when given. An
/// opt-out is a legal record: `optedOut=true` opts the contact out (keeping the first
/// opt-out time), a phone on the suppression list (`suppressed_phones`) comes back opted out,
/// and nothing an import says ever opts a contact back in.
public struct ContactImporter: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// Distinct phones per statement.
    public var batchSize: Int
    /// How many rejections the report lists (all are counted).
    public var maxReportedRejections: Int
    /// The CSV reader's caps (field and record bytes, columns) for `importFile`.
    public var csv: CSVReaderConfiguration

    /// An importer over `client`.
    public init(
        client: PostgresClient, logger: Logger = Logger(label: "amplifi.contacts.import"), batchSize: Int = 1000,
        maxReportedRejections: Int = 10_000, csv: CSVReaderConfiguration = CSVReaderConfiguration()
    ) {
        self.client = client
        self.logger = logger
        self.batchSize = max(1, batchSize)
        self.maxReportedRejections = maxReportedRejections
        self.csv = csv
    }

    // Why this shape:
    // - one statement per batch: columns travel as parallel arrays (one parameter each)
    //   and unnest() turns them back into rows, so 1000 rows cost one round-trip;
    // - tags arrive as array literals in a text[] (unnest cannot yield a text[] per row
    //   from a 2-D array) and custom fields as JSON text; both are cast per row;
    // - ON CONFLICT (org_id, phone) is contacts_org_id_phone_key; the batch is deduped by
    //   phone first because ON CONFLICT cannot update the same row twice in one statement;
    // - coalesce(EXCLUDED.x, c.x): an empty cell (NULL) never erases stored data;
    // - tags: union keeping first-seen order, so a rerun yields the identical array;
    // - opted_out_at: the stored opt-out always wins — an import never re-opts-in; a phone on
    //   the suppression list (an opted-out contact deleted through the API) starts opted out;
    // - the WHERE skips a merge that would exceed 20 custom fields (the CHECK would fail
    //   the whole batch); such rows are missing from RETURNING and reported as rejected;
    // - xmax = 0 only on a freshly inserted row: tells created from merged.
    static let upsertSQL = """
        INSERT INTO contacts AS c (org_id, phone, first_name, last_name, email, address, city, state, zip,
                                   tags, custom_fields, timezone, is_textable, opted_out_at)
        SELECT $1::uuid, u.phone, u.first_name, u.last_name, u.email, u.address, u.city, u.state, u.zip,
               u.tags::text[], u.custom_fields::jsonb, u.timezone, u.is_textable,
               CASE WHEN u.opted_out OR EXISTS (
                        SELECT 1 FROM suppressed_phones s
                        WHERE s.org_id = $1::uuid AND s.phone_sha256 = sha256(convert_to(u.phone, 'UTF8')))
                    THEN now() END
          FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                      $9::text[], $10::text[], $11::text[], $12::text[], $13::boolean[], $14::boolean[])
               AS u(phone, first_name, last_name, email, address, city, state, zip,
                    tags, custom_fields, timezone, is_textable, opted_out)
        ON CONFLICT (org_id, phone) DO UPDATE SET
            first_name    = coalesce(EXCLUDED.first_name, c.first_name),
            last_name     = coalesce(EXCLUDED.last_name, c.last_name),
            email         = coalesce(EXCLUDED.email, c.email),
            address       = coalesce(EXCLUDED.address, c.address),
            city          = coalesce(EXCLUDED.city, c.city),
            state         = coalesce(EXCLUDED.state, c.state),
            zip           = coalesce(EXCLUDED.zip, c.zip),
            tags          = ARRAY(SELECT t FROM unnest(c.tags || EXCLUDED.tags) WITH ORDINALITY AS x(t, n)
                                  GROUP BY t ORDER BY min(n)),
            custom_fields = c.custom_fields || EXCLUDED.custom_fields,
            timezone      = coalesce(EXCLUDED.timezone, c.timezone),
            is_textable   = coalesce(EXCLUDED.is_textable, c.is_textable),
            opted_out_at  = coalesce(c.opted_out_at, EXCLUDED.opted_out_at)
        WHERE jsonb_object_key_count(c.custom_fields || EXCLUDED.custom_fields) <= 20
        RETURNING c.phone, (c.xmax = 0) AS created
        """

    // The org must exist before any row is read; also the tenant check for the import.
    static func organizationExistsQuery(_ org: UUID) -> PostgresQuery {
        "SELECT EXISTS (SELECT 1 FROM organizations WHERE id = \(org))"
    }

    static func upsertQuery(org: UUID, rows: [ContactImportRow]) -> PostgresQuery {
        PostgresQuery(
            sql: upsertSQL,
            [
                org,
                rows.map(\.phone), rows.map(\.firstName), rows.map(\.lastName), rows.map(\.email),
                rows.map(\.address), rows.map(\.city), rows.map(\.state), rows.map(\.zip),
                rows.map(\.tags), rows.map(\.customFieldsJSON), rows.map(\.timezone),
                rows.map(\.isTextable), rows.map(\.optedOut),
            ])
    }

    /// Imports the CSV file at `path` into `org`.
    public func importFile(org: UUID, path: String) async throws -> ContactImportReport {
        let reader = try CSVStreamReader(path: path, configuration: csv)
        return try await importCSV(org: org, reader: reader)
    }

    /// Imports every record `reader` yields into `org` (the first record is the header).
    /// Throws `NOT_FOUND` for an unknown org and `VALIDATION_FAILED` (field `header` or
    /// `file`) when the file cannot be imported at all; bad rows are rejected, not thrown.
    public func importCSV(org: UUID, reader: CSVStreamReader) async throws -> ContactImportReport {
        let started = ContinuousClock.now
        guard try await client.query(Self.organizationExistsQuery(org)).first?.decode(Bool.self, at: 0) == true else {
            throw EngineError(.notFound, "no organization with id \(org)", field: "org")
        }
        guard let headerRecord = try reader.next() else {
            throw EngineError(
                .validationFailed, "the file is empty: it needs a header row (phone,firstName,…)", field: "file")
        }
        if let problem = headerRecord.problem {
            throw EngineError(
                .validationFailed, "the header row is malformed (\(problem.code)): \(problem.message)", field: "header")
        }
        let header = try ContactImportHeader(fields: headerRecord.fields)
        let parser = ContactRowParser(header: header, timeZones: try await TimeZoneCatalog.load(from: client))

        var report = ContactImportReport()
        var batch: [ContactImportRow] = []
        var positions: [String: Int] = [:]
        batch.reserveCapacity(batchSize)
        positions.reserveCapacity(batchSize)
        // One batch is in flight while the next is parsed (never more: batches must apply in
        // file order so that the last row for a phone wins, and memory stays two batches).
        // A task group, not a loose Task: a failure or cancellation never leaves a write behind.
        let client = client
        try await withThrowingTaskGroup(of: BatchOutcome.self) { group in
            var inFlight = false
            func send(_ rows: [ContactImportRow]) async throws {
                if inFlight, let outcome = try await group.next() { apply(outcome, to: &report) }
                group.addTask { try await Self.store(org: org, rows: rows, client: client) }
                inFlight = true
            }
            while let record = try reader.next() {
                report.rows += 1
                switch parser.parse(record) {
                case .failure(let rejection):
                    reject(rejection, in: &report)
                case .success(let row):
                    if let index = positions[row.phone] {
                        batch[index].merge(row)
                        report.merged += 1
                    } else {
                        positions[row.phone] = batch.count
                        batch.append(row)
                        if batch.count >= batchSize {
                            try await send(batch)
                            batch.removeAll(keepingCapacity: true)
                            positions.removeAll(keepingCapacity: true)
                        }
                    }
                }
            }
            if !batch.isEmpty { try await send(batch) }
            while let outcome = try await group.next() { apply(outcome, to: &report) }
        }
        report.rejections.sort { $0.line < $1.line }
        let elapsed = ContinuousClock.now - started
        report.elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        logger.info(
            "contacts imported",
            metadata: [
                "org_id": .id(org), "rows": "\(report.rows)", "created": "\(report.created)",
                "merged": "\(report.merged)", "rejected": "\(report.rejected)",
            ])
        return report
    }

    /// What one stored batch did.
    struct BatchOutcome: Sendable {
        var created = 0
        var merged = 0
        var rejections: [ContactImportRejection] = []
    }

    private static func store(org: UUID, rows batch: [ContactImportRow], client: PostgresClient) async throws
        -> BatchOutcome
    {
        let result: PostgresResult
        do {
            result = try await client.query(upsertQuery(org: org, rows: batch))
        } catch let error as PostgresError {
            let lines = batch.map(\.line)
            throw EngineError(
                .validationFailed,
                "the batch of rows on lines \(lines.min() ?? 0)–\(lines.max() ?? 0) could not be stored "
                    + "(\(error.sqlState ?? "?") \(error.constraint ?? "")); earlier batches were imported, "
                    + "fix the file and rerun (reruns merge, they do not duplicate)",
                field: "file")
        }
        var outcome = BatchOutcome()
        var stored = Set<String>()
        stored.reserveCapacity(result.count)
        for row in result {
            let (phone, created) = try row.decode((String, Bool).self)
            stored.insert(phone)
            if created { outcome.created += 1 } else { outcome.merged += 1 }
        }
        if stored.count < batch.count {
            for row in batch where !stored.contains(row.phone) {
                outcome.rejections.append(
                    ContactImportRejection(
                        line: row.line, field: nil,
                        reason: "merging into the existing contact would give it more than "
                            + "\(ContactImportHeader.maxCustomFields) custom fields"))
            }
        }
        return outcome
    }

    private func apply(_ outcome: BatchOutcome, to report: inout ContactImportReport) {
        report.created += outcome.created
        report.merged += outcome.merged
        for rejection in outcome.rejections { reject(rejection, in: &report) }
    }

    private func reject(_ rejection: ContactImportRejection, in report: inout ContactImportReport) {
        report.rejected += 1
        if report.rejections.count < maxReportedRejections {
            report.rejections.append(rejection)
        } else {
            report.rejectionsTruncated = true
        }
    }
}
