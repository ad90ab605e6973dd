import AmplifiEngine
import AmplifiMessaging
import Testing

@Suite("Contact import header")
struct ContactImportHeaderTests {
    @Test func namesMatchCaseInsensitivelyAndSnakeCase() throws {
        let header = try ContactImportHeader(fields: [
            "PHONE", "first_name", "Last Name", "is_textable", "Favorite Color",
        ])
        #expect(header.standard == [.phone: 0, .firstName: 1, .lastName: 2, .isTextable: 3])
        #expect(header.custom.map(\.key) == ["Favorite Color"])
    }

    @Test func moreThanTwentyCustomColumnsNamesTheExtraOnes() throws {
        let custom = (1...21).map { "custom\($0)" }
        let error = #expect(throws: EngineError.self) { try ContactImportHeader(fields: ["phone"] + custom) }
        #expect(error?.field == "header")
        #expect(error?.message.contains("'custom21'") == true)
        #expect(error?.message.contains("'custom20'") == false)
        #expect(throws: Never.self) { try ContactImportHeader(fields: ["phone"] + custom.dropLast()) }
    }

    @Test func missingPhoneAndDuplicateColumnsAreHeaderErrors() throws {
        let error = #expect(throws: ValidationFailure.self) {
            try ContactImportHeader(fields: ["firstName", "first_name"])
        }
        #expect(error?.problems.count == 2)
        #expect(error?.problems.allSatisfy { $0.field == "header" } == true)
    }
}
