/// A row of an import file that was not imported, with why.
public struct ContactImportRejection: Error, Sendable, Equatable, Codable {
    /// The line the row starts on (the header is line 1).
    public var line: Int
    /// The column at fault (the first one, when several are), or nil for a row-level problem.
    public var field: String?
    /// What is wrong, for a person (never contains the phone number).
    public var reason: String

    /// Creates a rejection.
    public init(line: Int, field: String?, reason: String) {
        self.line = line
        self.field = field
        self.reason = reason
    }
}
