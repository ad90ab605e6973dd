/// One CSV record with the physical line it starts on (1-based; the header is line 1).
public struct CSVRecord: Sendable, Equatable {
    /// The line the record starts on (a quoted field may span several lines).
    public var line: Int
    /// The field values, unquoted.
    public var fields: [String]
    /// Set when the record is malformed (an unterminated quote, a cap exceeded, invalid UTF-8);
    /// the fields are then partial.
    public var problem: CSVRecordProblem?

    /// Creates a record.
    public init(line: Int, fields: [String], problem: CSVRecordProblem? = nil) {
        self.line = line
        self.fields = fields
        self.problem = problem
    }
}
