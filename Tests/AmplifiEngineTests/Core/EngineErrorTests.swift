import AmplifiEngine
import AmplifiMessaging
import Testing

@Suite("Engine errors")
struct EngineErrorTests {
    @Test func validationFailureListsEveryProblemWithItsField() {
        let failure = ValidationFailure([
            EngineError(.validationFailed, "is required", field: "name"),
            EngineError(.validationFailed, "must be text", field: "channel"),
        ])
        #expect(failure.code == .validationFailed)
        #expect(failure.message == "name: is required; channel: must be text")
        #expect(failure.field == nil)
    }
}
