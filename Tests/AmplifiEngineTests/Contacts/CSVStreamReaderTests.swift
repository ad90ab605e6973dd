import AmplifiEngine
import Foundation
import Testing

@Suite("CSV stream reader")
struct CSVStreamReaderTests {
    func records(_ text: String, bufferSize: Int = 7) throws -> [CSVRecord] {
        let reader = CSVStreamReader(stream: InputStream(data: Data(text.utf8)), bufferSize: bufferSize)
        var out: [CSVRecord] = []
        while let record = try reader.next() { out.append(record) }
        return out
    }

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
        let broken = try records("a,b\n\"1,2\n3,4\n")
        #expect(broken.count == 2)
        #expect(broken[1].line == 2)
        #expect(broken[1].problem != nil)
    }
}
