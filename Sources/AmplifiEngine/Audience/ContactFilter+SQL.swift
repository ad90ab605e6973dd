public import AmplifiPostgres
public import Foundation

/// Compiles the filter language to SQL over `contacts c`.
///
/// Every value travels as a bind parameter; the SQL text depends only on which
/// fields are set (and booleans pick the SQL shape), never on user text. The
/// shapes are chosen for the indexes in sql/002_contacts.sql:
/// - tags use `@>` (AND) / `&&` (OR) on `text[]`, the operators the
///   `contacts_org_id_tags_idx` GIN index (btree_gin, with org_id) serves;
/// - state is `= ANY($n::text[])` and zip is `=`, served by the partial
///   `(org_id, state)` / `(org_id, zip)` btrees;
/// - everything starts with `c.org_id = $1 AND c.deleted_at IS NULL`: tenant
///   isolation, and anonymized contacts are never an audience.
extension ContactFilter {
    /// The filter as one boolean condition over `contacts c`, numbered from `$1`.
    /// Compose it into a statement with `PostgresQuery.append(_:)`, which renumbers.
    public func sqlCondition(orgID: UUID) -> PostgresQuery {
        var query: PostgresQuery = "c.org_id = \(orgID) AND c.deleted_at IS NULL"
        if let tags, !tags.isEmpty {
            switch tagsLogic ?? .or {
            case .and: query.append(" AND c.tags @> \(tags)::text[]")
            case .or: query.append(" AND c.tags && \(tags)::text[]")
            }
        }
        // NULL = carrier lookup pending: neither textable nor non-textable.
        if let isTextable {
            query.append(isTextable ? " AND c.is_textable IS TRUE" : " AND c.is_textable IS FALSE")
        }
        if let optedOut {
            query.append(optedOut ? " AND c.opted_out_at IS NOT NULL" : " AND c.opted_out_at IS NULL")
        }
        if let hasEmail {
            query.append(
                hasEmail
                    ? " AND (c.email IS NOT NULL AND btrim(c.email) <> '')"
                    : " AND (c.email IS NULL OR btrim(c.email) = '')")
        }
        // The schema only admits E.164 or NULL, so "non-empty" is "not NULL".
        if let hasPhone {
            query.append(hasPhone ? " AND c.phone IS NOT NULL" : " AND c.phone IS NULL")
        }
        if let state, !state.isEmpty {
            query.append(" AND c.state = ANY(\(state)::text[])")
        }
        if let zip {
            query.append(" AND c.zip = \(zip)")
        }
        if let search, !search.isEmpty {
            // One parameter used four times; the user's % _ \ are literal characters.
            let pattern = ContactFilter.likePattern(containing: search)
            // The fragment is numbered from $1 before append renumbers it, so the
            // later `$1`s refer to the same pattern parameter.
            let condition: PostgresQuery = """
                 AND (c.first_name ILIKE \(pattern) ESCAPE '\\' OR c.last_name ILIKE $1 ESCAPE '\\' \
                OR c.email ILIKE $1 ESCAPE '\\' OR c.phone ILIKE $1 ESCAPE '\\')
                """
            query.append(condition)
        }
        return query
    }

    /// A LIKE pattern matching any text that contains `text` literally: the
    /// wildcards `%` and `_` and the escape character `\` are escaped.
    public static func likePattern(containing text: String) -> String {
        var escaped = "%"
        for character in text {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        escaped.append("%")
        return escaped
    }
}
