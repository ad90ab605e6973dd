/// One CSV record with the physical line it starts on (1-based; the header is line 1).
public struct CSVRecord: Sendable, Equatable {
    /// The line the record starts on (a quoted field may span several lines).
    public var line: Int
    /// The field values, unquoted.
    public var fields: [String]
    /// Set when the record is malformed (e.g. an unterminated quote); the fields are then partial.
    public var problem: String?

    /// Creates a record.
    public init(line: Int, fields: [String], problem: String? = nil) {
        self.line = line
        self.fields = fields
        self.problem = problem
    }
}
