import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

/// The migrated schema can be distributed by `org_id` (docs/scaling.md): the catalog, read after
/// every migration, shows no key or foreign key Citus would refuse.
@Suite("Schema: distribution keys")
struct DistributionReadinessTests {
    @Test func everyKeyAndForeignKeyOfATenantTableContainsOrgID() async throws {
        try await withTestDatabase { client, _ in
            let violations = try await DistributionReadiness.violations(client)
            #expect(violations.isEmpty, "not distributable by org_id:\n\(violations.joined(separator: "\n"))")
        }
    }

    /// The check itself: tables that break each rule are reported by table and constraint.
    @Test func eachBrokenRuleIsReportedByTableAndConstraint() async throws {
        try await withTestDatabase { client, _ in
            try await client.withConnection { connection in
                try await connection.execute(
                    script: """
                        CREATE TABLE bad (id int PRIMARY KEY, org_id uuid NOT NULL, code text UNIQUE, x int);
                        CREATE UNIQUE INDEX bad_x_idx ON bad (x) INCLUDE (org_id);
                        CREATE TABLE bad_child (org_id uuid NOT NULL, bad_id int REFERENCES bad (id),
                                                PRIMARY KEY (org_id, bad_id));
                        CREATE TABLE keyless (org_id uuid);
                        CREATE TABLE global_names (name text PRIMARY KEY);
                        ALTER TABLE phone_number_routes ADD CONSTRAINT phone_number_routes_org_fkey
                            FOREIGN KEY (org_id) REFERENCES organizations (id);
                        """)
            }
            let violations = try await DistributionReadiness.violations(client)
            #expect(
                violations == [
                    "bad: bad_code_key unique constraint does not contain org_id",
                    "bad: bad_pkey primary key does not contain org_id",
                    "bad: bad_x_idx unique index does not contain org_id",
                    "bad_child: bad_child_bad_id_fkey foreign key to bad does not map org_id to bad.org_id",
                    "global_names: table has no org_id and is not listed as a reference or local table",
                    "keyless: primary key is missing",
                    "phone_number_routes: phone_number_routes_org_fkey foreign key from a table that is not "
                        + "distributed to distributed organizations",
                ])
        }
    }
}
