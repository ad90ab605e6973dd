import AmplifiEngine
import Foundation
import Testing

@Suite("ContactFilter parsing edge cases")
struct ContactFilterParseTests {
    func parse(_ json: String) -> Result<ContactFilter, ValidationFailure> {
        ContactFilter.parse(json: Data(json.utf8))
    }

    @Test func numbersAreNotBooleans() {
        // JSON 1/0 must not silently become true/false (Foundation bridges NSNumber to Bool).
        guard case .failure(let failure) = parse(#"{"isTextable": 1}"#) else {
            Issue.record("1 was accepted as a boolean")
            return
        }
        #expect(failure.problems.map(\.field) == ["contactFilter.isTextable"])
    }

    @Test func booleansAreNotStrings() {
        guard case .failure = parse(#"{"zip": true}"#) else {
            Issue.record("true was accepted as a zip")
            return
        }
    }

    @Test func roundTripsThroughJSONText() throws {
        let filter = try parse(#"{"tags": "vip, donor", "tagsLogic": "and", "state": ["nc"], "search": " ann "}"#).get()
        #expect(filter == ContactFilter(tags: ["vip", "donor"], tagsLogic: .and, state: ["NC"], search: "ann"))
        #expect(try parse(filter.jsonText).get() == filter)
    }
}
