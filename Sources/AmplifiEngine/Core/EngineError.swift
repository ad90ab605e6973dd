public import AmplifiMessaging

/// An engine failure a person can act on: a stable code (the product's codes, e.g.
/// `VALIDATION_FAILED`, `NOT_FOUND`), a message that says what is wrong and what to
/// do, and the input field it concerns when there is one.
public struct EngineError: AmplifiError, Equatable {
    public var code: AmplifiErrorCode
    public var message: String
    public var field: String?

    public init(_ code: AmplifiErrorCode, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }
}

/// Several problems with one input, reported together so a person can fix them all
/// at once (code `VALIDATION_FAILED`).
public struct ValidationFailure: AmplifiError, Equatable {
    /// Each problem, naming its field.
    public var problems: [EngineError]

    public init(_ problems: [EngineError]) {
        self.problems = problems
    }

    public var code: AmplifiErrorCode { .validationFailed }
    public var field: String? { problems.count == 1 ? problems[0].field : nil }
    public var message: String {
        problems.map { problem in problem.field.map { "\($0): \(problem.message)" } ?? problem.message }
            .joined(separator: "; ")
    }
}
