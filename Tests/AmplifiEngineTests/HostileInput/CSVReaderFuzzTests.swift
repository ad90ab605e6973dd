import AmplifiEngine
import AmplifiMessaging
import Foundation
import Testing

/// The CSV reader on arbitrary bytes: it always ends, never holds more than its caps, numbers every
/// record by a later line than the one before, and every malformed record carries a stable code.
@Suite("Hostile input: CSV reader fuzzing")
struct CSVReaderFuzzTests {
    static let codes: Set<String> = [
        "CSV_UNCLOSED_QUOTE", "CSV_RECORD_TOO_LARGE", "CSV_FIELD_TOO_LARGE", "CSV_TOO_MANY_COLUMNS", "CSV_INVALID_UTF8",
    ]

    @Test("Arbitrary bytes: bounded records, increasing lines, typed problems")
    func arbitraryBytes() async throws {
        var soup = HostileBytes(seed: 0x4353_5631, extra: ["\"", "\"\"", ",", ",,", "\"a,b\"", "\n\"", "x"])
        for index in 0..<2_000 {
            if index % 32 == 0 { await Task.yield() }  // never hold a cooperative thread for seconds
            let bytes = soup.next()
            let configuration = CSVReaderConfiguration(
                bufferSize: soup.int(in: 16...40), maxFieldBytes: 24, maxRecordBytes: 96, maxColumns: 6)
            let reader = CSVStreamReader(stream: InputStream(data: Data(bytes)), configuration: configuration)
            let lines = bytes.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") || $1 == UInt8(ascii: "\r") ? 1 : 0) }
            var previousLine = 0
            var count = 0
            var broken: [String] = []  // what went wrong, described only when something did
            while let record = try reader.next() {
                count += 1
                guard count <= lines else {
                    broken.append("more records than lines")
                    break
                }
                if record.line <= previousLine || record.line > lines { broken.append("line \(record.line)") }
                previousLine = record.line
                if record.fields.count > 6 { broken.append("\(record.fields.count) fields") }
                if record.fields.contains(where: { $0.utf8.count > 24 }) { broken.append("a field past the cap") }
                if let problem = record.problem {
                    if !Self.codes.contains(problem.code.rawValue) || problem.message.isEmpty {
                        broken.append("problem \(problem)")
                    }
                } else if record.fields.contains(where: { $0.contains("\u{FFFD}") }),
                    !bytes.containsReplacementCharacter
                {
                    broken.append("invalid UTF-8 replaced on line \(record.line)")
                }
            }
            #expect(broken.isEmpty, "\(broken.prefix(5)) for input \(bytes.prefix(300)) (\(bytes.count) bytes)")
        }
    }

    /// Valid rows interleaved with hostile lines (invalid UTF-8, a cell past the cap, too many
    /// columns, a line past the record cap, and at most one quote never closed): every valid row
    /// comes back whole on its own line, every hostile line is rejected on its line.
    @Test("Nothing valid is lost: every valid row survives the hostile lines around it")
    func nothingValidIsLost() async throws {
        var soup = HostileBytes(seed: 0x4353_5632, extra: [])
        let hostile: [[UInt8]] = [
            Array("bad,".utf8) + [0xFF, 0xC3],  // invalid UTF-8
            Array("long,".utf8) + Array(repeating: UInt8(ascii: "x"), count: 40),  // a cell past 24 bytes
            Array(",,,,,,,,".utf8),  // too many columns
            Array(repeating: Array("ab,".utf8), count: 40).flatMap { $0 },  // a line past 96 bytes
        ]
        for index in 0..<2_000 {
            if index % 32 == 0 { await Task.yield() }
            var bytes: [UInt8] = []
            var expected: [(line: Int, fields: [String]?)] = []  // nil: a rejected line
            var openedQuote = false
            for line in 1...soup.int(in: 1...30) {
                switch soup.int(in: 0...9) {
                case 0...5:
                    bytes += Array("r\(line),\(line)".utf8)
                    expected.append((line, ["r\(line)", "\(line)"]))
                case 6 where !openedQuote:
                    openedQuote = true
                    bytes += Array("q,\"never closed".utf8)
                    expected.append((line, nil))
                default:
                    bytes += hostile[soup.int(in: 0...(hostile.count - 1))]
                    expected.append((line, nil))
                }
                bytes += soup.int(in: 0...3) == 0 ? Array("\r\n".utf8) : [UInt8(ascii: "\n")]
            }
            let configuration = CSVReaderConfiguration(
                bufferSize: soup.int(in: 16...40), maxFieldBytes: 24, maxRecordBytes: 96, maxColumns: 6)
            let reader = CSVStreamReader(stream: InputStream(data: Data(bytes)), configuration: configuration)
            var got: [CSVRecord] = []
            while let record = try reader.next() { got.append(record) }
            let input = String(decoding: bytes, as: UTF8.self).debugDescription
            #expect(got.map(\.line) == expected.map(\.line), "\(input)")
            for (record, want) in zip(got, expected) {
                if let fields = want.fields {
                    #expect(record.problem == nil && record.fields == fields, "line \(record.line): \(input)")
                } else {
                    #expect(record.problem != nil, "line \(record.line): \(input)")
                }
            }
        }
    }
}

extension [UInt8] {
    /// Whether the bytes hold U+FFFD itself (EF BF BD), which a reader may return as is.
    var containsReplacementCharacter: Bool {
        count >= 3 && indices.dropLast(2).contains { self[$0] == 0xEF && self[$0 + 1] == 0xBF && self[$0 + 2] == 0xBD }
    }
}
