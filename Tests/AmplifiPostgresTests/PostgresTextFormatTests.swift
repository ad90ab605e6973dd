import Foundation
import Testing

@testable import AmplifiPostgres

@Suite("Text formats written byte by byte: UUIDs and array literals")
struct PostgresTextFormatTests {
    @Test func uuidsRoundTripAndMatchFoundation() {
        for _ in 0..<10_000 {
            let uuid = UUID()
            let text = PostgresUUIDText.format(uuid)
            #expect(text == uuid.uuidString.lowercased())
            #expect(PostgresUUIDText.parse(text) == uuid)
            #expect(PostgresUUIDText.parse(text.uppercased()) == uuid)
        }
    }

    @Test func malformedUUIDsAreRefused() {
        for text in [
            "", "not-a-uuid", "0123456789abcdef0123456789abcdef", "01234567-89ab-cdef-0123-456789abcdeg",
            "01234567-89ab-cdef-0123+456789abcdef", "01234567-89ab-cdef-0123-456789abcdef0",
        ] {
            #expect(PostgresUUIDText.parse(text) == nil, "\(text)")
        }
    }

    @Test func arrayLiteralsEscapeQuotesAndBackslashesOnly() {
        let elements: [String?] = [
            "plain", "with \"quote\"", "back\\slash", nil, "", "NULL", "comma, {brace}", "é 漢字 🙂",
        ]
        let literal = PostgresArrayLiteral.encode(elements)
        #expect(
            literal
                == #"{"plain","with \"quote\"","back\\slash",NULL,"","NULL","comma, {brace}","é 漢字 🙂"}"#)
        #expect(PostgresArrayLiteral.parse(literal) == elements)
        #expect(PostgresArrayLiteral.encode([String?]()) == "{}")
    }

    @Test func arraysOfUUIDsAndIntegersEncodeAsPostgresReadsThem() {
        let ids = [UUID(), UUID()]
        #expect(ids.postgresText == "{\"\(ids[0].uuidString.lowercased())\",\"\(ids[1].uuidString.lowercased())\"}")
        #expect([Int64(1), -2].postgresText == #"{"1","-2"}"#)
    }
}
