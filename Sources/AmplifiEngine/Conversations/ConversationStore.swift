import AmplifiMessaging
public import AmplifiPostgres
public import Foundation

/// An organization's inbox: conversations listed from their own rows (kept by the statements that
/// store messages, sql/020_conversations.sql), a conversation's history merged from what was
/// received, sent by campaigns and replied, and the team's marks (archive, star, read). Every
/// statement filters by org_id: another organization's number finds nothing.
public struct ConversationStore: Sendable {
    /// Which conversations a list shows.
    public struct Filter: Sendable, Equatable {
        /// Only conversations with unread incoming messages.
        public var unread = false
        /// Only conversations whose latest message is incoming (waiting for an answer).
        public var unresponded = false
        /// Contact name or number contains this (case-insensitive).
        public var search: String?
        /// Archived conversations too.
        public var includeArchived = false
        /// Only conversations whose latest message was on this number of the organization.
        public var phoneNumberID: UUID?
        /// Only conversations with a message at or after this time.
        public var since: Date?

        public init(
            unread: Bool = false, unresponded: Bool = false, search: String? = nil, includeArchived: Bool = false,
            phoneNumberID: UUID? = nil, since: Date? = nil
        ) {
            self.unread = unread
            self.unresponded = unresponded
            self.search = search
            self.includeArchived = includeArchived
            self.phoneNumberID = phoneNumberID
            self.since = since
        }
    }

    /// A mark the team sets on a conversation.
    public enum Mark: String, Sendable, CaseIterable {
        case archive, unarchive, star, unstar, read
    }

    let client: PostgresClient

    /// A store over `client`.
    public init(client: PostgresClient) {
        self.client = client
    }

    // MARK: - SQL

    static let columns = """
        t.id, t.contact_phone, t.phone_number_id, p.e164 AS number, t.contact_id, c.first_name, c.last_name,
        t.last_preview, t.last_message_body_redacted_at, t.last_message_at, t.last_direction, t.message_count,
        t.unread_count, t.archived_at IS NOT NULL AS archived, t.starred, c.id IS NOT NULL AS has_contact,
        c.opted_out_at IS NULL AS opted_in, coalesce(c.opted_in_at, c.created_at) AS opted_in_at,
        t.last_message_at::text AS cursor
        """

    /// The tables `columns` reads, for conversations `t`.
    static let joins = """
        FROM conversations t
        JOIN phone_numbers p ON p.org_id = t.org_id AND p.id = t.phone_number_id
        LEFT JOIN contacts c ON c.org_id = t.org_id AND c.id = t.contact_id
        """

    /// Which conversations `filter` keeps, numbered from $1 (compose with `append`).
    static func condition(orgID: UUID, filter: Filter) -> PostgresQuery {
        var query: PostgresQuery = "t.org_id = \(orgID)"
        if !filter.includeArchived { query.append(" AND t.archived_at IS NULL") }
        if filter.unread { query.append(" AND t.unread_count > 0") }
        if filter.unresponded { query.append(" AND t.last_direction = 'inbound'") }
        if let number = filter.phoneNumberID { query.append(" AND t.phone_number_id = \(number)") }
        if let since = filter.since { query.append(" AND t.last_message_at >= \(since)") }
        if let search = filter.search, !search.isEmpty {
            // One parameter used four times (the fragment is numbered from $1 before append renumbers it).
            let pattern = ContactFilter.likePattern(containing: search)
            query.append(
                """
                 AND (t.contact_phone ILIKE \(pattern) ESCAPE '\\' OR c.first_name ILIKE $1 ESCAPE '\\' \
                OR c.last_name ILIKE $1 ESCAPE '\\' OR (c.first_name || ' ' || c.last_name) ILIKE $1 ESCAPE '\\')
                """)
        }
        return query
    }

    // The inbox newest first through conversations_org_id_last_message_idx.
    static func pageQuery(orgID: UUID, filter: Filter, after: KeysetCursor?, limit: Int) -> PostgresQuery {
        var query: PostgresQuery = "SELECT \(unescaped: columns) \(unescaped: joins) WHERE "
        query.append(condition(orgID: orgID, filter: filter))
        if let after {
            query.append(" AND (t.last_message_at, t.id) < (\(after.timestamp)::timestamptz, \(after.id)::uuid)")
        }
        query.append(" ORDER BY t.last_message_at DESC, t.id DESC LIMIT \(limit)")
        return query
    }

    static func countQuery(orgID: UUID, filter: Filter) -> PostgresQuery {
        var query: PostgresQuery = "SELECT count(*)::int \(unescaped: joins) WHERE "
        query.append(condition(orgID: orgID, filter: filter))
        return query
    }

    // One conversation by the contact's number or by its id, with the organization's zone.
    static func fetchQuery(orgID: UUID, phone: String?, id: UUID?) -> PostgresQuery {
        """
        SELECT \(unescaped: columns), o.timezone \(unescaped: joins)
        JOIN organizations o ON o.id = t.org_id
        WHERE t.org_id = \(orgID) AND (t.contact_phone = \(phone)::text OR t.id = \(id)::uuid)
        """
    }

    // A conversation's history: received messages by number (inbound_messages_from_phone_idx),
    // campaign messages and replies by contact (their contact indexes; a number that is no contact
    // has neither). Keys tell the three apart and order ties; test sends are not conversation.
    static func historyQuery(
        orgID: UUID, phone: String, contactID: UUID?, after: KeysetCursor?, limit: Int
    ) -> PostgresQuery {
        """
        SELECT x.key, x.direction, CASE WHEN x.redacted_at IS NULL THEN x.message END AS message, x.media, x.status,
               x.source, x.opt_out, x.redacted_at, x.at, x.at::text AS cursor
        FROM (
            SELECT 'i:' || i.id::text AS key, 'incoming' AS direction, i.body AS message, i.media_urls AS media,
                   NULL::text AS status, NULL::text AS source, i.keyword IS NOT DISTINCT FROM 'opt_out' AS opt_out,
                   i.body_redacted_at AS redacted_at, i.received_at AS at
            FROM inbound_messages i WHERE i.org_id = \(orgID) AND i.from_phone = \(phone)
            UNION ALL
            SELECT 'c:' || m.id::text, 'outgoing', m.body, '{}'::text[], m.status, 'campaign', NULL, NULL, m.sent_at
            FROM campaign_messages m
            WHERE m.org_id = \(orgID) AND m.contact_id = \(contactID)::uuid AND m.sent_at IS NOT NULL
            UNION ALL
            SELECT 'r:' || r.id::text, 'outgoing', r.body, '{}'::text[], r.status, r.kind, NULL, r.body_redacted_at,
                   coalesce(r.sent_at, r.created_at)
            FROM reply_messages r
            WHERE r.org_id = \(orgID) AND r.contact_id = \(contactID)::uuid AND r.kind <> 'test_send'
        ) x
        WHERE \(after?.timestamp)::timestamptz IS NULL
           OR (x.at, x.key) < (\(after?.timestamp)::timestamptz, \(after?.id)::text)
        ORDER BY x.at DESC, x.key DESC LIMIT \(limit)
        """
    }

    static func markQuery(orgID: UUID, phone: String, mark: Mark) -> PostgresQuery {
        let set: String =
            switch mark {
            case .archive: "archived_at = coalesce(archived_at, now())"
            case .unarchive: "archived_at = NULL"
            case .star: "starred = true"
            case .unstar: "starred = false"
            case .read: "unread_count = 0"
            }
        return """
            UPDATE conversations t SET \(unescaped: set)
            WHERE t.org_id = \(orgID) AND t.contact_phone = \(phone)
            RETURNING t.id
            """
    }

    // MARK: - Calls

    /// A page of the inbox, newest first, the cursor of the next, and — with `includeTotal` — how
    /// many conversations the filter keeps.
    public func list(
        orgID: UUID, filter: Filter, limit: Int = 50, cursor: String? = nil, includeTotal: Bool = false
    ) async throws -> (conversations: [Conversation], nextCursor: String?, total: Int?) {
        let limit = max(1, min(limit, 200))
        let after = try cursor.map { text throws(EngineError) in try KeysetCursor(parsing: text) }
        let rows = try await client.query(Self.pageQuery(orgID: orgID, filter: filter, after: after, limit: limit + 1))
        let conversations = try rows.prefix(limit).map(Self.decode)
        let next = try KeysetCursor.next(
            after: rows, limit: limit, lastKey: conversations[limit - 1].id.uuidString.lowercased())
        let total =
            includeTotal
            ? try await client.query(Self.countQuery(orgID: orgID, filter: filter))[0].decode(Int.self, at: 0) : nil
        return (conversations, next, total)
    }

    /// Which conversation a history is asked for: by the contact's number, or by its id.
    public enum Key: Sendable {
        case phone(String)
        case id(UUID)
    }

    /// The conversation and a page of its history, newest first; the organization's time zone
    /// (for showing times); `NOT_FOUND` when no such conversation exists.
    public func history(orgID: UUID, of key: Key, limit: Int = 50, cursor: String? = nil) async throws
        -> (conversation: Conversation, messages: [ConversationMessage], nextCursor: String?, timezone: String)
    {
        let query: PostgresQuery =
            switch key {
            case .phone(let phone): Self.fetchQuery(orgID: orgID, phone: phone, id: nil)
            case .id(let id): Self.fetchQuery(orgID: orgID, phone: nil, id: id)
            }
        guard let row = try await client.query(query).first else {
            switch key {
            case .phone(let phone): throw Self.notFound(phone)
            case .id: throw EngineError(.notFound, "no such conversation in this organization")
            }
        }
        let conversation = try Self.decode(row)
        let timezone: String = try row.decode(named: "timezone")
        let limit = max(1, min(limit, 200))
        let after = try cursor.map { text throws(EngineError) in try KeysetCursor(parsing: text, keyIsUUID: false) }
        let rows = try await client.query(
            Self.historyQuery(
                orgID: orgID, phone: conversation.phoneNumber, contactID: conversation.contactID, after: after,
                limit: limit + 1))
        let messages = try rows.prefix(limit).map { row in
            ConversationMessage(
                id: try row.decode(named: "key"), direction: try row.decode(named: "direction"),
                message: try row.decode(named: "message"), mediaURLs: try row.decode(named: "media"),
                status: try row.decode(named: "status"), source: try row.decode(named: "source"),
                optOutDetected: try row.decode(named: "opt_out"), redactedAt: try row.decode(named: "redacted_at"),
                timestamp: try row.decode(named: "at"))
        }
        let next = try KeysetCursor.next(after: rows, limit: limit, lastKey: messages[limit - 1].id)
        return (conversation, messages, next, timezone)
    }

    /// Sets `mark` on the conversation with `phone`; `NOT_FOUND` when there is none.
    public func mark(orgID: UUID, phone: String, mark: Mark) async throws {
        guard !(try await client.query(Self.markQuery(orgID: orgID, phone: phone, mark: mark))).isEmpty else {
            throw Self.notFound(phone)
        }
    }

    // MARK: - Helpers

    /// `NOT_FOUND` for a number with no conversation in this organization.
    public static func notFound(_ phone: String) -> EngineError {
        EngineError(.notFound, "no conversation with \(phone) in this organization")
    }

    static func decode(_ row: PostgresRow) throws -> Conversation {
        let hasContact: Bool = try row.decode(named: "has_contact")
        return Conversation(
            id: try row.decode(named: "id"), phoneNumber: try row.decode(named: "contact_phone"),
            phoneNumberID: try row.decode(named: "phone_number_id"), number: try row.decode(named: "number"),
            contactID: try row.decode(named: "contact_id"), firstName: try row.decode(named: "first_name"),
            lastName: try row.decode(named: "last_name"), lastMessage: try row.decode(named: "last_preview"),
            lastMessageRedactedAt: try row.decode(named: "last_message_body_redacted_at"),
            lastMessageAt: try row.decode(named: "last_message_at"),
            lastMessageDirection: try row.decode(named: "last_direction"),
            messageCount: try row.decode(named: "message_count"), unreadCount: try row.decode(named: "unread_count"),
            isArchived: try row.decode(named: "archived"), isStarred: try row.decode(named: "starred"),
            consent: hasContact
                ? Conversation.Consent(
                    optedIn: try row.decode(named: "opted_in"), optedInAt: try row.decode(named: "opted_in_at")) : nil)
    }
}
