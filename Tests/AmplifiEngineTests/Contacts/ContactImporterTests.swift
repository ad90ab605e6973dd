import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

@Suite("Contact importer")
struct ContactImporterTests {
    static let header = [
        "phone", "first_name", "LastName", "email", "city", "state", "zip", "tags", "timezone", "isTextable",
        "optedOut", "favoriteColor", "Member Since",
    ]

    /// A row with the header's 13 fields, given by name.
    static func row(_ values: [String: String]) -> String {
        ContactImportFixture.line(header.map { values[$0] ?? "" })
    }

    /// The malformed-rows file; the comment on each line is the line number it lands on.
    static let messyFile: String =
        [
            ContactImportFixture.line(header),  // 1
            row([
                "phone": "(919) 555-0101", "first_name": "Ann", "LastName": "Lee", "email": "ann@example.com",
                "city": "Durham", "state": "nc", "zip": "27701", "tags": "vip;member", "timezone": "America/New_York",
                "isTextable": "true", "favoriteColor": "blue", "Member Since": "2020",
            ]),  // 2
            row(["phone": "not-a-phone", "first_name": "Bob"]),  // 3
            row(["phone": "919-555-0102", "first_name": "Cara", "state": "XYZ"]),  // 4
            row(["phone": "919-555-0103", "first_name": "Dan", "timezone": "Mars/Olympus"]),  // 5
            row(["phone": "919-555-0104", "first_name": "Eve, the \"first\"", "LastName": "Multi\nLine", "tags": "a,b"]
            ),  // 6-7
            row(["phone": "919.555.0101", "first_name": "Annie", "tags": "new", "favoriteColor": "red"]),  // 8
            row(["phone": "919-555-0105", "first_name": "Fay", "optedOut": "true"]),  // 9
            row(["phone": "919-555-0106", "first_name": "Gus", "isTextable": "maybe"]),  // 10
            "",  // 11 (blank, skipped)
            "919-555-0107,Hal",  // 12 (too few fields)
            row([
                "phone": "+1 919 555 0999", "first_name": "Existing", "optedOut": "false", "tags": "imported",
                "Member Since": "2019",
            ]),  // 13
            row(["phone": "919-555-0108", "timezone": "America/Chicago", "isTextable": "false", "state": "sc"]),  // 14
            row(["phone": "919-555-0104", "first_name": "Eva"]),  // 15
        ].joined(separator: "\n") + "\n"

    struct ContactRow: Equatable {
        var id: UUID, phone: String, firstName: String?, lastName: String?, email: String?, city: String?
        var state: String?, zip: String?, tags: [String], customFields: String, timezone: String?
        var isTextable: Bool?, optedOutAt: Date?, createdAt: Date
    }

    static func contacts(_ client: PostgresClient, org: UUID) async throws -> [ContactRow] {
        try await client.query(
            """
            SELECT id, phone, first_name, last_name, email, city, state, zip, tags, custom_fields::text, timezone,
                   is_textable, opted_out_at, created_at
              FROM contacts WHERE org_id = \(org) ORDER BY phone
            """
        ).map { row in
            let (id, phone, first, last, email, city, state, zip, tags, custom, tz, textable, optedOut, created) =
                try row.decode(
                    (
                        UUID, String, String?, String?, String?, String?, String?, String?, [String], String, String?,
                        Bool?, Date?, Date
                    ).self)
            return ContactRow(
                id: id, phone: phone, firstName: first, lastName: last, email: email, city: city, state: state,
                zip: zip, tags: tags, customFields: custom, timezone: tz, isTextable: textable, optedOutAt: optedOut,
                createdAt: created)
        }
    }

    @Test func malformedRowsAreRejectedByLineAndDuplicatesMerge() async throws {
        try await withTestDatabase { client, _ in
            let org = try await OrganizationStore(client: client).create(name: "Acme")
            let other = try await OrganizationStore(client: client).create(name: "Other")
            try await client.query(
                """
                INSERT INTO contacts (org_id, phone, first_name, tags, custom_fields, opted_out_at)
                VALUES (\(org.id), '+19195550999', 'Old', '{old}', '{"favoriteColor":"green"}', '2024-01-02T03:04:05Z')
                """)
            // Same phone in another org: must not be touched.
            try await client.query(
                "INSERT INTO contacts (org_id, phone, first_name) VALUES (\(other.id), '+19195550101', 'Other')")
            let path = try ContactImportFixture.write(Self.messyFile)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let importer = ContactImporter(client: client, batchSize: 3)

            let report = try await importer.importFile(org: org.id, path: path)
            #expect(report.rows == 12)
            #expect(report.created == 4)
            #expect(report.merged == 3)
            #expect(report.imported == 7)
            #expect(report.rejected == 5)
            #expect(report.rejections.map(\.line) == [3, 4, 5, 10, 12])
            #expect(report.rejections.map(\.field) == ["phone", "state", "timezone", "isTextable", nil])
            #expect(report.rejections[1].reason.contains("'XYZ'"))
            #expect(report.rejections[2].reason.contains("Mars/Olympus"))
            #expect(report.rejections[4].reason.contains("has 2 fields"))
            #expect(
                report.rejections.map(\.code.rawValue) == [
                    "VALIDATION_FAILED", "VALIDATION_FAILED", "VALIDATION_FAILED", "VALIDATION_FAILED",
                    "CSV_FIELD_COUNT_MISMATCH",
                ])

            let rows = try await Self.contacts(client, org: org.id)
            #expect(
                rows.map(\.phone) == ["+19195550101", "+19195550104", "+19195550105", "+19195550108", "+19195550999"])
            let ann = rows[0]
            #expect(ann.firstName == "Annie")
            #expect(ann.lastName == "Lee")
            #expect(ann.state == "NC")
            #expect(ann.tags == ["vip", "member", "new"])
            #expect(ann.customFields == #"{"Member Since": "2020", "favoriteColor": "red"}"#)
            #expect(ann.isTextable == true)
            #expect(ann.optedOutAt == nil)
            let eve = rows[1]
            #expect(eve.firstName == "Eva")
            #expect(eve.lastName == "Multi\nLine")
            #expect(eve.tags == ["a", "b"])
            #expect(eve.isTextable == nil)
            #expect(rows[2].optedOutAt != nil)
            #expect(rows[3].state == "SC")
            #expect(rows[3].timezone == "America/Chicago")
            #expect(rows[3].isTextable == false)
            let existing = rows[4]
            #expect(existing.firstName == "Existing")
            #expect(existing.optedOutAt == ISO8601DateFormatter().date(from: "2024-01-02T03:04:05Z"))
            #expect(existing.tags == ["old", "imported"])
            #expect(existing.customFields == #"{"Member Since": "2019", "favoriteColor": "green"}"#)

            let otherRows = try await Self.contacts(client, org: other.id)
            #expect(otherRows.map(\.firstName) == ["Other"])

            // Rerunning the same file gives the same contacts: everything merges, nothing is duplicated.
            let again = try await importer.importFile(org: org.id, path: path)
            #expect(again.created == 0)
            #expect(again.merged == 7)
            #expect(again.rejections == report.rejections)
            #expect(try await Self.contacts(client, org: org.id) == rows)
        }
    }

    @Test func anImportNeverOptsAContactBackIn() async throws {
        try await withTestDatabase { client, _ in
            let org = try await OrganizationStore(client: client).create(name: "Acme")
            let importer = ContactImporter(client: client)
            let optOut = try ContactImportFixture.write("phone,optedOut\n9195550101,true\n")
            let first = try await importer.importFile(org: org.id, path: optOut)
            #expect(first.created == 1)
            let before = try await Self.contacts(client, org: org.id)[0].optedOutAt
            #expect(before != nil)
            let optIn = try ContactImportFixture.write(
                "phone,optedOut,firstName\n9195550101,false,Ann\n9195550101,true,\n")
            let second = try await importer.importFile(org: org.id, path: optIn)
            #expect(second.merged == 2)
            let after = try await Self.contacts(client, org: org.id)[0]
            #expect(after.optedOutAt == before)
            #expect(after.firstName == "Ann")
        }
    }

    @Test func headerProblemsStopTheImportBeforeAnyRow() async throws {
        try await withTestDatabase { client, _ in
            let org = try await OrganizationStore(client: client).create(name: "Acme")
            let custom = (1...21).map { "field\($0)" }
            let path = try ContactImportFixture.write(
                ContactImportFixture.line(["phone"] + custom) + "\n"
                    + ContactImportFixture.line(["9195550101"] + custom) + "\n")
            let error = await #expect(throws: EngineError.self) {
                try await ContactImporter(client: client).importFile(org: org.id, path: path)
            }
            #expect(error?.field == "header")
            #expect(error?.message.contains("'field21'") == true)
            let missingOrg = await #expect(throws: EngineError.self) {
                try await ContactImporter(client: client).importFile(org: UUID(), path: path)
            }
            #expect(missingOrg?.code == .notFound)
            let count = try await client.query("SELECT count(*)::bigint FROM contacts WHERE org_id = \(org.id)")
            #expect(try count[0].decode(Int64.self, at: 0) == 0)
        }
    }

    @Test func aMergePastTwentyCustomFieldsIsRejectedNotFatal() async throws {
        try await withTestDatabase { client, _ in
            let org = try await OrganizationStore(client: client).create(name: "Acme")
            let full = "{" + (1...20).map { "\"k\($0)\": \"v\"" }.joined(separator: ",") + "}"
            try await client.query(
                "INSERT INTO contacts (org_id, phone, custom_fields) VALUES (\(org.id), '+19195550101', \(full)::jsonb)"
            )
            let path = try ContactImportFixture.write("phone,extra\n9195550101,x\n9195550102,y\n")
            let report = try await ContactImporter(client: client).importFile(org: org.id, path: path)
            #expect(report.created == 1)
            #expect(report.rejected == 1)
            #expect(report.rejections.first?.line == 2)
        }
    }

    /// Hostile rows (invalid UTF-8, a cell past the cap, too many columns, a quote never closed) are
    /// each rejected with their line and a stable code; every valid row, before and after, imports.
    @Test func hostileRowsAreRejectedWithCodesAndNothingValidIsLost() async throws {
        try await withTestDatabase { client, _ in
            let org = try await OrganizationStore(client: client).create(name: "Acme")
            var bytes = Array("phone,firstName,tags\n".utf8)  // 1
            bytes += Array("9195550101,Ann,x;y;x; y ;;x\n".utf8)  // 2
            bytes += Array("9195550102,".utf8) + [0xC3, 0x28] + Array(",b\n".utf8)  // 3: invalid UTF-8
            bytes += Array("9195550103,\(String(repeating: "x", count: 200)),c\n".utf8)  // 4: cell too large
            bytes += Array("9195550104,Dan,t,1,2,3,4\n".utf8)  // 5: too many columns
            bytes += Array("9195550105,\"Eve,d\n".utf8)  // 6: a quote never closed
            bytes += Array("9195550106,Fay,e\n9195550107,Gus,f\n".utf8)  // 7, 8
            let path = ContactImportFixture.temporaryPath()
            defer { try? FileManager.default.removeItem(atPath: path) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let importer = ContactImporter(
                client: client, csv: CSVReaderConfiguration(maxFieldBytes: 100, maxRecordBytes: 1_000, maxColumns: 5))

            let report = try await importer.importFile(org: org.id, path: path)
            #expect(report.rejections.map(\.line) == [3, 4, 5, 6])
            #expect(
                report.rejections.map(\.code.rawValue) == [
                    "CSV_INVALID_UTF8", "CSV_FIELD_TOO_LARGE", "CSV_TOO_MANY_COLUMNS", "CSV_UNCLOSED_QUOTE",
                ])
            #expect(report.created == 3)
            let rows = try await Self.contacts(client, org: org.id)
            #expect(rows.map(\.phone) == ["+19195550101", "+19195550106", "+19195550107"])
            #expect(rows[0].tags == ["x", "y"])
            #expect(!rows.contains { ($0.firstName ?? "").contains("\u{FFFD}") })
            // The report's JSON carries each code.
            let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
            #expect(json.contains(#""code":"CSV_UNCLOSED_QUOTE""#))
            #expect(try JSONDecoder().decode(ContactImportReport.self, from: Data(json.utf8)) == report)
        }
    }

    @Test func aLargeFileImportsWithFlatMemory() async throws {
        try await withTestDatabase { client, _ in
            let org = try await OrganizationStore(client: client).create(name: "Big")
            let path = ContactImportFixture.temporaryPath()
            defer { try? FileManager.default.removeItem(atPath: path) }
            let rowCount = 100_000
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            var chunk = "phone,firstName,lastName,email,state,tags,timezone,isTextable,plan\n"
            for index in 0..<rowCount {
                let exchange = 200 + index / 10_000
                let line = String(format: "%04d", index % 10_000)
                chunk +=
                    "919\(exchange)\(line),First\(index),Last,u\(index)@example.com,NC,a;b,America/New_York,true,gold\n"
                if chunk.utf8.count > 1 << 20 {
                    try handle.write(contentsOf: Data(chunk.utf8))
                    chunk = ""
                }
            }
            try handle.write(contentsOf: Data(chunk.utf8))
            try handle.close()

            let before = MemoryProbe.peakResidentKiB()
            let report = try await ContactImporter(client: client).importFile(org: org.id, path: path)
            let after = MemoryProbe.peakResidentKiB()
            #expect(report.created == rowCount)
            #expect(report.rejected == 0)
            let growthMiB = Double(after - before) / 1024
            print(
                "import of \(rowCount) rows: \(Int(Double(rowCount) / report.elapsedSeconds)) rows/s, peak RSS growth \(growthMiB) MiB"
            )
            #expect(growthMiB < 64)
        }
    }
}

/// Reads the process's peak resident set size.
enum MemoryProbe {
    /// VmHWM from /proc/self/status in KiB (0 when unavailable).
    static func peakResidentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}
