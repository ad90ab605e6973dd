import AmplifiLocalServers
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

@Suite("Postgres connections: URLs, transactions, errors, COPY, pipelines")
struct PostgresConnectionTests {
    @Test func connectsOverTCPAndUnixSocket() async throws {
        let server = try await LocalPostgresServer.start()
        defer { server.stop() }
        for url in [server.url(), server.socketURL()] {
            let connection = try await PostgresConnection.connect(url: url)
            let one = try await connection.query("SELECT 1")[0].decode(Int.self, at: 0)
            #expect(one == 1)
            await connection.close()
        }
    }

    @Test func connectionFailureSaysWhatToCheck() async throws {
        let port = try LocalNetwork.freePort()
        let error = await #expect(throws: PostgresError.self) {
            try await PostgresConnection.connect(url: "postgres://postgres@127.0.0.1:\(port)/x?connect_timeout=2")
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.description.contains("AMPLIFI_DATABASE_URL") == true)
    }

    @Test func uniqueViolationCarriesSQLStateButNotTheValue() async throws {
        try await withTestDatabase { client, _ in
            try await client.query("CREATE TABLE phones (org int, phone text, UNIQUE (org, phone))")
            try await client.query("INSERT INTO phones VALUES (1, \("+19195551234"))")
            let error = await #expect(throws: PostgresError.self) {
                try await client.query("INSERT INTO phones VALUES (1, \("+19195551234"))")
            }
            #expect(error?.code == .server)
            #expect(error?.sqlState == "23505")
            #expect(error?.hasSQLState(.uniqueViolation) == true)
            #expect(error?.constraint == "phones_org_phone_key")
            #expect(error?.detail?.contains("+19195551234") == true)
            #expect(error?.description.contains("+19195551234") == false)
        }
    }

    @Test func transactionCommitsOrRollsBack() async throws {
        try await withTestDatabase { client, _ in
            try await client.query("CREATE TABLE t (n int)")
            try await client.withTransaction { try await $0.query("INSERT INTO t VALUES (1)") }
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await client.withTransaction { connection in
                    try await connection.query("INSERT INTO t VALUES (2)")
                    throw Boom()
                }
            }
            // A failing statement inside the transaction rolls it back too.
            await #expect(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try await connection.query("INSERT INTO t VALUES (3)")
                    try await connection.query("INSERT INTO t VALUES ('not a number')")
                }
            }
            let values = try await client.query("SELECT n FROM t ORDER BY n").map { try $0.decode(Int.self, at: 0) }
            #expect(values == [1])
        }
    }

    @Test func copyLoadsOneHundredThousandRows() async throws {
        try await withTestDatabase { client, _ in
            try await client.query("CREATE TABLE contacts_copy (id int, phone text, note text, tags text[])")
            let rows: [[any PostgresEncodable]] = (0..<100_000).map { index in
                [
                    index, "+1919555\(String(format: "%04d", index % 10_000))",
                    index % 7 == 0 ? String?.none : "tab\there\nnew line \\ backslash", ["a", "b c"],
                ]
            }
            let copied = try await client.withConnection {
                try await $0.copy(into: "contacts_copy", columns: ["id", "phone", "note", "tags"], rows: rows)
            }
            #expect(copied == 100_000)
            let row = try await client.query(
                "SELECT count(*), count(note), max(id) FROM contacts_copy")[0].decode((Int, Int, Int).self)
            #expect(row == (100_000, 100_000 - 14_286, 99_999))
            let note = try await client.query("SELECT note, tags FROM contacts_copy WHERE id = 1")[0]
            #expect(try note.decode(String.self, at: 0) == "tab\there\nnew line \\ backslash")
            #expect(try note.decode([String].self, at: 1) == ["a", "b c"])
        }
    }

    @Test func copyWithABadRowLandsNothing() async throws {
        try await withTestDatabase { client, _ in
            try await client.query("CREATE TABLE numbers (n int NOT NULL)")
            let rows: [[any PostgresEncodable]] = [[1], [2], [Int?.none], [4]]
            await #expect(throws: PostgresError.self) {
                try await client.withConnection { try await $0.copy(into: "numbers", columns: ["n"], rows: rows) }
            }
            #expect(try await client.query("SELECT count(*) FROM numbers")[0].decode(Int.self, at: 0) == 0)
        }
    }

    @Test func pipelineRunsAThousandStatementsInOneRoundTrip() async throws {
        try await withTestDatabase { client, _ in
            try await client.query("CREATE TABLE events (n int PRIMARY KEY)")
            let statements = (0..<1_000).map { PostgresQuery("INSERT INTO events VALUES (\($0)) RETURNING n") }
            let results = try await client.withConnection { try await $0.pipeline(statements) }
            #expect(results.count == 1_000)
            #expect(try results[999][0].decode(Int.self, at: 0) == 999)
            // One round-trip: over a link with 1 ms of latency per statement the
            // sequential version would need ≥ 1 s; compare wall-clock against it.
            #expect(try await client.query("SELECT count(*) FROM events")[0].decode(Int.self, at: 0) == 1_000)
        }
    }

    @Test func pipelineIsAllOrNothing() async throws {
        try await withTestDatabase { client, _ in
            try await client.query("CREATE TABLE events (n int PRIMARY KEY)")
            let statements: [PostgresQuery] = [
                "INSERT INTO events VALUES (1)", "INSERT INTO events VALUES (1)", "INSERT INTO events VALUES (2)",
            ]
            let error = await #expect(throws: PostgresError.self) {
                try await client.withConnection { try await $0.pipeline(statements) }
            }
            #expect(error?.sqlState == "23505")
            #expect(try await client.query("SELECT count(*) FROM events")[0].decode(Int.self, at: 0) == 0)
            // The connection is still good afterwards.
            #expect(try await client.query("SELECT 7")[0].decode(Int.self, at: 0) == 7)
        }
    }

    @Test func cancellingATaskCancelsItsStatement() async throws {
        try await withTestDatabase { client, _ in
            let started = ContinuousClock.now
            let task = Task { try await client.query("SELECT pg_sleep(30) AS cancel_me") }
            // Cancel once the statement runs (a fixed sleep lost the race on a loaded machine: the
            // cancel request reached a connection with nothing to cancel yet).
            let giveUp = ContinuousClock.now + .seconds(8)
            while ContinuousClock.now < giveUp {
                let running = try await client.query(
                    "SELECT count(*)::bigint FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%AS cancel_me'"
                )[0].decode(Int64.self, at: 0)
                if running > 0 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            task.cancel()
            let result = await task.result
            #expect(throws: (any Error).self) { try result.get() }
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(try await client.query("SELECT 1")[0].decode(Int.self, at: 0) == 1)
        }
    }
}
