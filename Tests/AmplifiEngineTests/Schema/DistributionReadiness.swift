import AmplifiPostgres

/// Reads the catalog of a migrated database and lists what would stop Citus from distributing it
/// by organization (docs/scaling.md): every table with an `org_id` column is distributed by it,
/// `organizations` by its own `id`, and the tables of ``notDistributed`` are reference or
/// coordinator-local tables.
///
/// Rules, each one Citus' own:
/// - a distributed table has a primary key, and it, every unique constraint, every unique index
///   (partial ones too) and every exclusion constraint has the distribution column among its key
///   columns;
/// - a foreign key between two distributed tables maps the one's distribution column to the
///   other's (`(org_id, x_id) REFERENCES x (org_id, id)`; `org_id REFERENCES organizations (id)`);
/// - a reference or local table references no distributed table;
/// - every table is classified: distributed, or named in ``notDistributed`` (a table added without
///   `org_id` must be placed on purpose).
enum DistributionReadiness {
    /// The tables that are not distributed by organization, and why. Keep it short: each entry is a
    /// table whose rows are not one organization's, or that cannot know its organization.
    static let notDistributed: [String: String] = [
        // Reference tables (a copy on every node):
        "time_zones": "reference data: IANA zone names, no org",
        "phone_number_routes": "reference: finds the org of an inbound message's To number (e164 is global)",
        "api_key_routes": "reference: finds the org of an API key's hash before the request's org is known",
        // Coordinator-local tables:
        "schema_migrations": "the migrator's own bookkeeping",
        "pending_delivery_events":
            "status reports whose org may not be known yet (org_id NULL): cannot be distributed by it",
    ]

    /// One problem, naming the table and the constraint or index.
    static func violations(_ client: PostgresClient) async throws -> [String] {
        try await client.query(query).map { row in
            let (table, object, problem) = try row.decode((String, String, String).self)
            return "\(table): \(object) \(problem)"
        }
    }

    // `dist` maps each distributed table to its distribution column's attnum; everything after reads
    // the catalog against it. Key columns are the first indnkeyatts of indkey (INCLUDE columns do
    // not make a key unique per org).
    static var query: PostgresQuery {
        let listed = Array(notDistributed.keys)
        return """
            WITH tables AS (
                SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            ), dist AS (
                SELECT t.oid, t.relname, a.attnum, a.attname
                FROM tables t
                JOIN pg_attribute a ON a.attrelid = t.oid AND NOT a.attisdropped
                 AND a.attname = CASE WHEN t.relname = 'organizations' THEN 'id' ELSE 'org_id' END
                WHERE t.relname <> ALL(\(listed)::text[])
            ), keys AS (
                SELECT d.relname, coalesce(k.conname, i.relname) AS object,
                       CASE WHEN x.indisprimary THEN 'primary key'
                            WHEN k.contype = 'u' THEN 'unique constraint'
                            WHEN k.contype = 'x' THEN 'exclusion constraint'
                            ELSE 'unique index' END AS kind,
                       d.attname,
                       EXISTS (SELECT 1 FROM unnest(x.indkey) WITH ORDINALITY AS u(attnum, position)
                               WHERE u.attnum = d.attnum AND u.position <= x.indnkeyatts) AS has_column
                FROM dist d
                JOIN pg_index x ON x.indrelid = d.oid AND (x.indisunique OR x.indisexclusion)
                JOIN pg_class i ON i.oid = x.indexrelid
                LEFT JOIN pg_constraint k ON k.conindid = x.indexrelid AND k.conrelid = d.oid
                 AND k.contype IN ('p', 'u', 'x')
            ), fks AS (
                SELECT src.relname, f.conname, src.attname AS src_column, dst.attname AS dst_column,
                       dst.relname AS target,
                       EXISTS (SELECT 1 FROM unnest(f.conkey, f.confkey) AS u(src_attnum, dst_attnum)
                               WHERE u.src_attnum = src.attnum AND u.dst_attnum = dst.attnum) AS maps_columns
                FROM pg_constraint f
                JOIN dist src ON src.oid = f.conrelid
                JOIN dist dst ON dst.oid = f.confrelid
                WHERE f.contype = 'f'
            )
            SELECT relname, object, kind || ' does not contain ' || attname
            FROM keys WHERE NOT has_column
            UNION ALL
            SELECT d.relname, 'primary key', 'is missing'
            FROM dist d WHERE NOT EXISTS (SELECT 1 FROM pg_index x WHERE x.indrelid = d.oid AND x.indisprimary)
            UNION ALL
            SELECT relname, conname,
                   'foreign key to ' || target || ' does not map ' || src_column || ' to ' || target || '.' || dst_column
            FROM fks WHERE NOT maps_columns
            UNION ALL
            SELECT t.relname, f.conname, 'foreign key from a table that is not distributed to distributed ' || d.relname
            FROM pg_constraint f
            JOIN tables t ON t.oid = f.conrelid
            JOIN dist d ON d.oid = f.confrelid
            WHERE f.contype = 'f' AND t.oid NOT IN (SELECT oid FROM dist)
            UNION ALL
            SELECT t.relname, 'table', 'has no org_id and is not listed as a reference or local table'
            FROM tables t WHERE t.oid NOT IN (SELECT oid FROM dist) AND t.relname <> ALL(\(listed)::text[])
            UNION ALL
            SELECT l.name, 'table', 'is listed as not distributed but does not exist'
            FROM unnest(\(listed)::text[]) AS l(name) WHERE l.name NOT IN (SELECT relname FROM tables)
            ORDER BY 1, 2, 3
            """
    }
}
