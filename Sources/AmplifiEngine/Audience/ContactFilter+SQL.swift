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
            query.append(Self.searchCondition(search))
        }
        return query
    }

    /// Terms this long and longer match fuzzily; shorter ones by prefix.
    public static let fuzzySearchMinimumLength = 3

    /// ` AND (…)`: `term` in the contact's first name, last name, email or phone. A term of
    /// ``fuzzySearchMinimumLength`` characters or more matches where one of them contains it
    /// (case-insensitive) or is similar to it by trigrams (pg_trgm's `%`, above the session's
    /// `pg_trgm.similarity_threshold`, 0.24 on every Amplifi connection: "Jonh" finds "John"), and
    /// a phone containing its digits; a shorter term matches their beginnings. Every arm is served
    /// by `contacts_search_trgm_idx` (sql/023), lower-cased like the index. The SQL text depends on
    /// the term's length class only; the term travels as parameters.
    static func searchCondition(_ term: String) -> PostgresQuery {
        let lowered = term.lowercased()
        let digits = String(term.unicodeScalars.filter { $0.properties.numericType == .decimal && $0.isASCII })
        // The phone arm only for a term with digits in it ("(919) 555-01" → its digits); a name or
        // an email never matches an E.164 number.
        let phone: String? = digits.count >= 3 ? "%" + digits + "%" : nil
        guard term.count >= fuzzySearchMinimumLength else {
            let prefix = String(likePattern(containing: lowered).dropFirst())
            // One parameter used three times (numbered from $1 before append renumbers it).
            return """
                 AND (lower(c.first_name) LIKE \(prefix) ESCAPE '\\' OR lower(c.last_name) LIKE $1 ESCAPE '\\' \
                OR lower(c.email) LIKE $1 ESCAPE '\\')
                """
        }
        var condition: PostgresQuery = """
             AND (lower(c.first_name) LIKE \(likePattern(containing: lowered)) ESCAPE '\\' \
            OR lower(c.last_name) LIKE $1 ESCAPE '\\' OR lower(c.email) LIKE $1 ESCAPE '\\' \
            OR lower(c.first_name) % \(lowered) OR lower(c.last_name) % $2 OR lower(c.email) % $2
            """
        if let phone { condition.append(" OR c.phone LIKE \(phone)") }
        condition.append(")")
        return condition
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
