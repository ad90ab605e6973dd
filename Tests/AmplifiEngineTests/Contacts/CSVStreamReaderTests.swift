import AmplifiEngine
import AmplifiMessaging
import Foundation
import Testing

@Suite("CSV stream reader")
struct CSVStreamReaderTests {
    /// Every record of `bytes`, read through a tiny buffer so records straddle refills.
    static func records(
        _ bytes: [UInt8], _ configuration: CSVReaderConfiguration = CSVReaderConfiguration(bufferSize: 7)
    )
        throws -> [CSVRecord]
    {
        let reader = CSVStreamReader(stream: InputStream(data: Data(bytes)), configuration: configuration)
        var out: [CSVRecord] = []
        while let record = try reader.next() { out.append(record) }
        return out
    }

    func records(_ text: String, _ configuration: CSVReaderConfiguration = CSVReaderConfiguration(bufferSize: 7))
        throws -> [CSVRecord]
    {
        try Self.records(Array(text.utf8), configuration)
    }

    /// The small caps the limit tests use (and a small buffer).
    static let small = CSVReaderConfiguration(bufferSize: 16, maxFieldBytes: 8, maxRecordBytes: 32, maxColumns: 4)

    @Test func quotedFieldsKeepCommasNewlinesAndQuotesAndLinesAreCounted() throws {
        let text = "\u{FEFF}a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n\n\"multi\nline\",z\n1,\n"
        let got = try records(text)
        #expect(
            got == [
                CSVRecord(line: 1, fields: ["a", "b"]),
                CSVRecord(line: 2, fields: ["x, y", "say \"hi\""]),
                CSVRecord(line: 4, fields: ["multi\nline", "z"]),
                CSVRecord(line: 6, fields: ["1", ""]),
            ])
    }

    @Test func lastRecordWithoutNewlineAndUnterminatedQuote() throws {
        #expect(
            try records("a,b\n1,2") == [
                CSVRecord(line: 1, fields: ["a", "b"]), CSVRecord(line: 2, fields: ["1", "2"]),
            ])
        // The unclosed quote is reported on its line; the line after it is read again, not lost.
        let broken = try records("a,b\n\"1,2\n3,4\n")
        #expect(broken.count == 3)
        #expect(broken[1].line == 2)
        #expect(broken[1].problem?.code == "CSV_UNCLOSED_QUOTE")
        #expect(broken[2] == CSVRecord(line: 3, fields: ["3", "4"]))
    }

    @Test func aFieldPastTheCapIsRejectedAndTheNextRowIsRead() throws {
        let got = try records("a,b\n123456789,x\nok,1\n", Self.small)
        #expect(got.map(\.line) == [1, 2, 3])
        #expect(got[1].problem?.code == "CSV_FIELD_TOO_LARGE")
        #expect(got[1].problem?.message.contains("column 1") == true)
        #expect(got[2] == CSVRecord(line: 3, fields: ["ok", "1"]))
        // Exactly at the cap is fine.
        #expect(try records("12345678\n", Self.small) == [CSVRecord(line: 1, fields: ["12345678"])])
    }

    @Test func aRecordPastTheCapIsRejectedAndReadingResumesOnTheNextLine() throws {
        let long = String(repeating: "x,", count: 40)
        let got = try records("a,b\n\(long)\r\nok,1\n", Self.small)
        #expect(got.map(\.line) == [1, 2, 3])
        #expect(got[1].problem?.code == "CSV_RECORD_TOO_LARGE")
        #expect(got[2] == CSVRecord(line: 3, fields: ["ok", "1"]))
    }

    @Test func tooManyColumnsAreRejected() throws {
        let got = try records("a,b,c,d,e\nx,y\n", Self.small)
        #expect(got[0].problem?.code == "CSV_TOO_MANY_COLUMNS")
        #expect(got[0].fields.count == 4)
        #expect(got[1] == CSVRecord(line: 2, fields: ["x", "y"]))
    }

    @Test func invalidUTF8IsRejectedByLineNotReplaced() throws {
        let bytes = Array("a,b\nok,".utf8) + [0xFF, 0xFE] + Array("\n\"multi\nline\",\u{E9}\nfine,1\n".utf8)
        let got = try Self.records(bytes)
        #expect(got.map(\.line) == [1, 2, 3, 5])
        #expect(got[1].problem?.code == "CSV_INVALID_UTF8")
        #expect(got[1].problem?.message.contains("column 2") == true)
        #expect(!got[1].fields.joined().contains("\u{FFFD}"))
        #expect(got[2] == CSVRecord(line: 3, fields: ["multi\nline", "\u{E9}"]))
        #expect(got[3] == CSVRecord(line: 5, fields: ["fine", "1"]))
        // A UTF-8 sequence cut by a buffer refill is still one valid character.
        #expect(try Self.records(Array("abcde\u{1F600}\n".utf8)) == [CSVRecord(line: 1, fields: ["abcde\u{1F600}"])])
    }

    /// A stray quote must not swallow the rest of the file: the reader holds at most one record's cap,
    /// reports the quote's line, then reads every later line as a row with its own line number.
    @Test func aStrayQuoteIsBoundedByTheRecordCapAndNoLaterRowIsLost() throws {
        let rows = (3...2_002).map { "\($0),v\($0)" }
        let text = "a,b\n\"stray,1\n" + rows.joined(separator: "\n") + "\n"
        let configuration = CSVReaderConfiguration(bufferSize: 64, maxRecordBytes: 1_024)
        let got = try records(text, configuration)
        #expect(got.count == 2 + rows.count)
        #expect(got[1].line == 2)
        #expect(got[1].problem?.code == "CSV_RECORD_TOO_LARGE")
        #expect(got.dropFirst(2).allSatisfy { $0.problem == nil && $0.fields == ["\($0.line)", "v\($0.line)"] })
        // At the end of the file instead of past the cap: the same recovery.
        let short = try records("a,b\n\"stray,1\n3,x\n4,y\n", configuration)
        #expect(short.map(\.line) == [1, 2, 3, 4])
        #expect(short[1].problem?.code == "CSV_UNCLOSED_QUOTE")
        #expect(short[3] == CSVRecord(line: 4, fields: ["4", "y"]))
    }

    @Test func aClosedQuotedFieldSpanningTheCapIsOneRejectedRecord() throws {
        // The quote does close, after the cap: the record is rejected and the rows inside the
        // quoted text come back as rows of their own (the reader cannot tell them apart).
        let got = try records("\"0123456789\n0123456789\n0123456789\n0123\",x\nok,1\n", Self.small)
        #expect(got.first?.problem?.code == "CSV_RECORD_TOO_LARGE")
        #expect(got.last == CSVRecord(line: 5, fields: ["ok", "1"]))
    }
}
