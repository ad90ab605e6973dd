import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

@Suite("Postgres values round-trip through parameters and typed decoding")
struct PostgresDecodingTests {
    @Test func scalarTypesRoundTrip() async throws {
        try await withTestDatabase { client, _ in
            let id = UUID()
            let when = Date(timeIntervalSince1970: 1_745_433_900.123456)
            let row = try await client.query(
                """
                SELECT \("O'Brien \"quoted\" ; DROP TABLE x")::text, \(42)::int, \(Int64.max)::bigint,
                       \(true)::bool, \(id)::uuid, \(when)::timestamptz, \(2.5)::float8,
                       \(PostgresJSON(#"{"a": [1, 2]}"#))::jsonb, \(["vip", "a,b", "say \"hi\"", "NULL", ""])::text[]
                """
            )[0]
            let (text, int, big, flag, uuid, date, double) = try row.decode(
                (String, Int, Int64, Bool, UUID, Date, Double).self)
            #expect(text == "O'Brien \"quoted\" ; DROP TABLE x")
            #expect(int == 42)
            #expect(big == Int64.max)
            #expect(flag)
            #expect(uuid == id)
            #expect(abs(date.timeIntervalSince(when)) < 0.000_001)
            #expect(double == 2.5)
            let json = try row.decode(PostgresJSON.self, at: 7)
            #expect(json.text == #"{"a": [1, 2]}"#)
            #expect(try row.decode([String].self, at: 8) == ["vip", "a,b", "say \"hi\"", "NULL", ""])
        }
    }

    @Test func nullsDecodeAsOptionalsAndFailForNonOptionals() async throws {
        try await withTestDatabase { client, _ in
            let none: String? = nil
            let row = try await client.query("SELECT \(none)::text AS missing, ARRAY[1, NULL, 3] AS numbers")[0]
            #expect(try row.decode(String?.self, named: "missing") == nil)
            #expect(try row.decode([Int?].self, named: "numbers") == [1, nil, 3])
            let error = #expect(throws: PostgresError.self) { try row.decode(String.self, named: "missing") }
            #expect(error?.code == .decoding)
            #expect(error?.message.contains("missing") == true)
        }
    }

    @Test func timestampsKeepMicroseconds() async throws {
        try await withTestDatabase { client, _ in
            for seconds in [0.0, 1.5, 1_700_000_000.000_001, 1_745_433_900.999_999, -86_400.25] {
                let date = Date(timeIntervalSince1970: seconds)
                let back = try await client.query("SELECT \(date)::timestamptz")[0].decode(Date.self, at: 0)
                #expect(abs(back.timeIntervalSince1970 - seconds) < 0.000_002, "\(seconds)")
            }
            let server = try await client.query("SELECT '2025-04-23 14:45:00-04'::timestamptz")[0].decode(
                Date.self, at: 0)
            #expect(server == Date(timeIntervalSince1970: 1_745_433_900))
        }
    }

    @Test func byteaRoundTrips() async throws {
        try await withTestDatabase { client, _ in
            let bytes: [UInt8] = [0, 1, 0xFF, 0x7F, 10, 13]
            let back = try await client.query("SELECT \(PostgresBytes(bytes))::bytea")[0].decode(
                PostgresBytes.self, at: 0)
            #expect(back.bytes == bytes)
        }
    }

    @Test func textWithNulIsRejectedBeforeSending() async throws {
        try await withTestDatabase { client, _ in
            let error = await #expect(throws: PostgresError.self) {
                try await client.query("SELECT \("a\u{0}b")::text")
            }
            #expect(error?.code == .encoding)
        }
    }

    @Test func arraysSendAWholeBatchInOneParameter() async throws {
        try await withTestDatabase { client, _ in
            let ids = (1...500).map { $0 }
            let names = ids.map { "name \($0), \"quoted\"" }
            let rows = try await client.query(
                "SELECT id, name FROM unnest(\(ids)::int[], \(names)::text[]) AS t(id, name) ORDER BY id")
            #expect(rows.count == 500)
            #expect(try rows[499].decode((Int, String).self) == (500, "name 500, \"quoted\""))
        }
    }
}
