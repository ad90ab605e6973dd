import AmplifiMessaging
public import AmplifiPostgres
public import Foundation
public import Logging

/// An organization's contacts through the API: list (the campaign planner's filter, one
/// definition), read, create or merge, update and delete (anonymize). Every statement filters by
/// org_id, and a deleted contact is invisible: another organization's id, or a deleted one, is
/// `NOT_FOUND`.
public struct ContactStore: Sendable {
    /// How a list is ordered: newest first by last update (the default) or by creation.
    public enum Sort: String, Sendable, CaseIterable {
        case updatedAt = "updated_at"
        case createdAt = "created_at"
    }

    let client: PostgresClient
    let logger: Logger

    /// A store over `client`.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    // MARK: - SQL

    /// The columns of a ``Contact`` (custom fields as a JSON object of strings), for contacts `c`.
    static let columns = """
        c.id, c.phone, c.first_name, c.last_name, c.email, c.address, c.city, c.state, c.zip, c.tags,
        coalesce((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each_text(c.custom_fields) e), '{}')::text
            AS custom_fields,
        c.timezone, c.is_textable, c.opted_out_at, c.opted_in_at, c.created_at, c.updated_at
        """

    static func fetchQuery(orgID: UUID, contactID: UUID) -> PostgresQuery {
        "SELECT \(unescaped: columns) FROM contacts c WHERE c.org_id = \(orgID) AND c.id = \(contactID) AND c.deleted_at IS NULL"
    }

    static func fetchByPhoneQuery(orgID: UUID, phone: String) -> PostgresQuery {
        "SELECT \(unescaped: columns) FROM contacts c WHERE c.org_id = \(orgID) AND c.phone = \(phone)"
    }

    // A page newest first: the planner's filter condition, then strictly after the cursor's row in
    // (sort column, id) order, served backwards by contacts_org_id_updated_at_idx or
    // contacts_org_id_created_at_idx. The offset fallback applies only without a cursor.
    static func pageQuery(
        filter: ContactFilter, orgID: UUID, sort: Sort, after: KeysetCursor?, offset: Int, limit: Int
    ) -> PostgresQuery {
        var query: PostgresQuery = "SELECT \(unescaped: columns), c.\(unescaped: sort.rawValue)::text AS cursor"
        query.append(" FROM contacts c WHERE ")
        query.append(filter.sqlCondition(orgID: orgID))
        if let after {
            query.append(
                " AND (c.\(unescaped: sort.rawValue), c.id) < (\(after.timestamp)::timestamptz, \(after.id)::uuid)")
        }
        query.append(" ORDER BY c.\(unescaped: sort.rawValue) DESC, c.id DESC LIMIT \(limit)")
        if after == nil, offset > 0 { query.append(" OFFSET \(offset)") }
        return query
    }

    static func countQuery(filter: ContactFilter, orgID: UUID) -> PostgresQuery {
        var query: PostgresQuery = "SELECT count(*)::int FROM contacts c WHERE "
        query.append(filter.sqlCondition(orgID: orgID))
        return query
    }

    static func timezoneKnownQuery(_ name: String) -> PostgresQuery {
        "SELECT EXISTS (SELECT 1 FROM time_zones WHERE name = \(name))"
    }

    // Only the fields the body named are written: tags and custom fields replace, a nil value
    // clears. Column names come from ContactRequest.TextField, never from the body.
    static func updateQuery(orgID: UUID, contactID: UUID, request: ContactRequest) -> PostgresQuery {
        var query: PostgresQuery = "UPDATE contacts c SET updated_at = now()"
        for field in ContactRequest.TextField.allCases {
            guard let value = request.text[field] else { continue }
            query.append(", \(unescaped: field.column) = \(value)::text")
        }
        if let tags = request.tags { query.append(", tags = \(tags)::text[]") }
        if let custom = request.customFields {
            let json = String(decoding: (try? JSONEncoder().encode(custom)) ?? Data("{}".utf8), as: UTF8.self)
            query.append(", custom_fields = \(json)::jsonb")
        }
        query.append(
            " WHERE c.org_id = \(orgID) AND c.id = \(contactID) AND c.deleted_at IS NULL RETURNING \(unescaped: columns)"
        )
        return query
    }

    // Deleting anonymizes (docs/schema.md "Deleting a contact"): the row stays for its send
    // history, without personal data; finished messages lose the number and text they carried
    // (rows still to be sent keep theirs, and the sender skips them as contact_deleted; `unknown`
    // rows keep theirs until settled, since the carrier's list is matched on them). An opted-out
    // contact's phone goes to the suppression list as a hash, so it comes back opted out. The
    // contact's conversation goes too (its number and latest text are personal data).
    static func deleteQuery(orgID: UUID, contactID: UUID) -> PostgresQuery {
        """
        WITH target AS (
            SELECT id, phone, opted_out_at FROM contacts
            WHERE org_id = \(orgID) AND id = \(contactID) AND deleted_at IS NULL
            FOR UPDATE
        ), suppressed AS (
            INSERT INTO suppressed_phones (org_id, phone_sha256)
            SELECT \(orgID), sha256(convert_to(t.phone, 'UTF8')) FROM target t
            WHERE t.opted_out_at IS NOT NULL AND t.phone IS NOT NULL
            ON CONFLICT DO NOTHING
            RETURNING 1
        ), redacted AS (
            UPDATE campaign_messages m SET phone = NULL, body = NULL
            FROM target t
            WHERE m.org_id = \(orgID) AND m.contact_id = t.id
              AND m.status NOT IN ('pending', 'deferred', 'held', 'sending', 'unknown')
            RETURNING 1
        ), replies AS (
            UPDATE reply_messages r SET to_phone = NULL
            FROM target t
            WHERE r.org_id = \(orgID) AND r.contact_id = t.id AND r.status IN ('sent', 'failed')
            RETURNING 1
        ), threads AS (
            DELETE FROM conversations v
            USING target t
            WHERE v.org_id = \(orgID) AND (v.contact_id = t.id OR v.contact_phone = t.phone)
            RETURNING 1
        ), anonymized AS (
            UPDATE contacts c SET deleted_at = now(), phone = NULL, first_name = NULL, last_name = NULL,
                   email = NULL, address = NULL, city = NULL, state = NULL, zip = NULL, tags = '{}',
                   custom_fields = '{}', timezone = NULL
            FROM target t
            WHERE c.org_id = \(orgID) AND c.id = t.id
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM anonymized)::int, (SELECT count(*) FROM redacted)::int,
               (SELECT count(*) FROM suppressed)::int, (SELECT count(*) FROM replies)::int
        """
    }

    // One statement per change: the contact's consent and its record. Opting out keeps the first
    // opt-out time; opting in clears it and notes when consent was given. A contact already in the
    // asked state changes nothing and records nothing.
    static func consentQuery(
        orgID: UUID, contactID: UUID, change: ConsentChange, source: String, actor: String
    ) -> PostgresQuery {
        let optIn = change == .optIn
        return """
            WITH target AS (
                SELECT id, opted_out_at FROM contacts
                WHERE org_id = \(orgID) AND id = \(contactID) AND deleted_at IS NULL
                FOR UPDATE
            ), changed AS (
                UPDATE contacts c
                SET opted_out_at = CASE WHEN \(optIn) THEN NULL ELSE now() END,
                    opted_in_at = CASE WHEN \(optIn) THEN now() ELSE c.opted_in_at END
                FROM target t
                WHERE c.org_id = \(orgID) AND c.id = t.id AND (t.opted_out_at IS NULL) = \(optIn ? false : true)
                RETURNING c.id
            ), recorded AS (
                INSERT INTO consent_events (org_id, contact_id, action, source, actor)
                SELECT \(orgID), id, \(change.rawValue), \(source), \(actor) FROM changed
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM target)::int, (SELECT count(*) FROM recorded)::int
            """
    }

    // MARK: - Calls

    /// A page of the contacts `filter` matches, newest first by `sort`; `cursor` continues a
    /// previous page (then `offset` is ignored); `includeTotal` adds a count of every match.
    public func list(
        orgID: UUID, filter: ContactFilter, sort: Sort = .updatedAt, limit: Int = 50, cursor: String? = nil,
        offset: Int = 0, includeTotal: Bool = false
    ) async throws -> ContactPage {
        let limit = max(1, min(limit, 200))
        let after = try cursor.map { text throws(EngineError) in try KeysetCursor(parsing: text) }
        let rows = try await client.query(
            Self.pageQuery(
                filter: filter, orgID: orgID, sort: sort, after: after, offset: max(0, offset), limit: limit + 1))
        let contacts = try rows.prefix(limit).map(Self.decode)
        let next = try KeysetCursor.next(
            after: rows, limit: limit, lastKey: contacts[limit - 1].id.uuidString.lowercased())
        let total =
            includeTotal
            ? try await client.query(Self.countQuery(filter: filter, orgID: orgID))[0].decode(Int.self, at: 0) : nil
        return ContactPage(contacts: contacts, nextCursor: next, total: total)
    }

    /// The live contact, or nil.
    public func fetch(orgID: UUID, contactID: UUID) async throws -> Contact? {
        try await client.query(Self.fetchQuery(orgID: orgID, contactID: contactID)).first.map(Self.decode)
    }

    /// Creates a contact from a JSON body, or merges it into the contact with the same phone
    /// (the import's rules: given fields overwrite, tags are added, custom fields merged key by
    /// key, an opt-out is never undone); returns it and whether it was created. A new contact's
    /// `isTextable` is nil until the background lookup (`amplifi lookup`) answers. `CONFLICT` when
    /// the merge would leave more than 20 custom fields.
    public func createOrMerge(orgID: UUID, json: Data) async throws -> (contact: Contact, created: Bool) {
        let request = try ContactRequest.parse(json: json, creating: true)
        try await checkTimezone(request)
        guard let row = request.importRow() else {
            throw EngineError(.validationFailed, "is required", field: "phone")
        }
        let written = try await client.query(ContactImporter.upsertQuery(org: orgID, rows: [row]))
        guard let first = written.first else {
            throw EngineError(
                .conflict,
                "the contact with this phone already has custom fields; merged, they would be more than "
                    + "\(ContactRequest.maxCustomFields). Update it with PATCH, replacing its custom fields")
        }
        let created = try first.decode(Bool.self, named: "created")
        guard let stored = try await client.query(Self.fetchByPhoneQuery(orgID: orgID, phone: row.phone)).first else {
            throw EngineError(.conflict, "the contact changed while it was written; try again")
        }
        let contact = try Self.decode(stored)
        logger.info(
            created ? "contact created" : "contact merged",
            metadata: ["org_id": .id(orgID), "contact_id": .id(contact.id)])
        return (contact, created)
    }

    /// Updates the fields a JSON body names; `NOT_FOUND` when there is no such live contact.
    public func update(orgID: UUID, contactID: UUID, json: Data) async throws -> Contact {
        let request = try ContactRequest.parse(json: json, creating: false)
        try await checkTimezone(request)
        let rows = try await client.query(Self.updateQuery(orgID: orgID, contactID: contactID, request: request))
        guard let row = rows.first else { throw Self.notFound(contactID) }
        return try Self.decode(row)
    }

    /// Deletes (anonymizes) the contact; `NOT_FOUND` when there is no such live contact.
    public func delete(orgID: UUID, contactID: UUID) async throws {
        let (anonymized, redacted, suppressed, replies) = try await client.query(
            Self.deleteQuery(orgID: orgID, contactID: contactID))[0].decode((Int, Int, Int, Int).self)
        guard anonymized == 1 else { throw Self.notFound(contactID) }
        logger.info(
            "contact deleted",
            metadata: [
                "org_id": .id(orgID), "contact_id": .id(contactID), "redacted_messages": "\(redacted + replies)",
                "suppressed": "\(suppressed == 1)",
            ])
    }

    /// A page of the contact's campaign history, newest first, and the cursor of the next;
    /// `NOT_FOUND` when there is no such live contact.
    public func history(orgID: UUID, contactID: UUID, limit: Int = 50, cursor: String? = nil) async throws
        -> (entries: [ContactHistory.Entry], nextCursor: String?)
    {
        guard try await fetch(orgID: orgID, contactID: contactID) != nil else { throw Self.notFound(contactID) }
        let limit = max(1, min(limit, 200))
        let after = try cursor.map { text throws(EngineError) in try KeysetCursor(parsing: text) }
        let rows = try await client.query(
            ContactHistory.pageQuery(orgID: orgID, contactID: contactID, after: after, limit: limit + 1))
        let entries = try rows.prefix(limit).map(ContactHistory.decode)
        let next = try KeysetCursor.next(
            after: rows, limit: limit, lastKey: entries[limit - 1].campaignID.uuidString.lowercased())
        return (entries, next)
    }

    /// A manual change of consent.
    public enum ConsentChange: String, Sendable {
        case optOut = "opt_out"
        case optIn = "opt_in"
    }

    /// Opts the contact out or back in by hand, recorded with `source` (the reason, or for an
    /// opt-in the consent's source, required) and `actor` (who); returns the contact and whether
    /// anything changed. `NOT_FOUND` when there is no such live contact.
    public func changeConsent(
        orgID: UUID, contactID: UUID, change: ConsentChange, source: String?, actor: String
    ) async throws -> (contact: Contact, changed: Bool) {
        let grounds = source?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if change == .optIn, grounds.count < 3 {
            throw ValidationFailure([
                EngineError(
                    .validationFailed,
                    "is required: where the contact's consent comes from (e.g. \"signed form, 2026-11-30\"); "
                        + "a contact who opted out is only texted again on recorded consent", field: "source")
            ])
        }
        if grounds.count > 500 {
            throw ValidationFailure([EngineError(.validationFailed, "is longer than 500 characters", field: "source")])
        }
        let (found, recorded) = try await client.query(
            Self.consentQuery(
                orgID: orgID, contactID: contactID, change: change, source: grounds.isEmpty ? "manual" : grounds,
                actor: actor))[0].decode((Int, Int).self)
        guard found == 1, let contact = try await fetch(orgID: orgID, contactID: contactID) else {
            throw Self.notFound(contactID)
        }
        if recorded == 1 {
            logger.info(
                change == .optIn ? "contact opted in by hand" : "contact opted out by hand",
                metadata: ["org_id": .id(orgID), "contact_id": .id(contactID), "actor": "\(actor)"])
        }
        return (contact, recorded == 1)
    }

    // MARK: - Helpers

    /// `NOT_FOUND` for contact `id` (another organization's, deleted, or never made).
    public static func notFound(_ id: UUID) -> EngineError {
        EngineError(.notFound, "no contact \(id.uuidString.lowercased()) in this organization")
    }

    /// A zone the body names must be one the database knows (the column's foreign key).
    func checkTimezone(_ request: ContactRequest) async throws {
        guard case .some(.some(let zone)) = request.text[.timezone] else { return }
        guard try await client.query(Self.timezoneKnownQuery(zone))[0].decode(Bool.self, at: 0) else {
            throw ValidationFailure([
                EngineError(
                    .validationFailed, "'\(zone)' is not a known IANA time zone (e.g. America/Chicago)",
                    field: "timezone")
            ])
        }
    }

    static func decode(_ row: PostgresRow) throws -> Contact {
        let custom: String = try row.decode(named: "custom_fields")
        return Contact(
            id: try row.decode(named: "id"), phone: try row.decode(named: "phone"),
            firstName: try row.decode(named: "first_name"), lastName: try row.decode(named: "last_name"),
            email: try row.decode(named: "email"), address: try row.decode(named: "address"),
            city: try row.decode(named: "city"), state: try row.decode(named: "state"),
            zip: try row.decode(named: "zip"),
            tags: try row.decode(named: "tags"),
            customFields: (try? JSONDecoder().decode([String: String].self, from: Data(custom.utf8))) ?? [:],
            timezone: try row.decode(named: "timezone"), isTextable: try row.decode(named: "is_textable"),
            optedOutAt: try row.decode(named: "opted_out_at"), optedInAt: try row.decode(named: "opted_in_at"),
            createdAt: try row.decode(named: "created_at"),
            updatedAt: try row.decode(named: "updated_at"))
    }
}
