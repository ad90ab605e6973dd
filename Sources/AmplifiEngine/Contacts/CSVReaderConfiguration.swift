/// How a ``CSVStreamReader`` buffers its input and the caps it puts on each record, so one hostile
/// row (a huge cell, a stray quote, thousands of commas) costs a bounded amount of memory.
public struct CSVReaderConfiguration: Sendable, Equatable {
    /// The default cap on one field's bytes (64 KiB).
    public static let defaultMaxFieldBytes = 64 * 1024
    /// The default cap on one record's bytes, quotes and separators included (256 KiB).
    public static let defaultMaxRecordBytes = 256 * 1024
    /// The default cap on a record's fields (256).
    public static let defaultMaxColumns = 256

    /// Bytes read from the input at a time (at least 16).
    public var bufferSize: Int
    /// The most bytes one field may hold (after unquoting); a longer one rejects its record.
    public var maxFieldBytes: Int
    /// The most bytes one record may span in the file; past it the record is rejected and reading
    /// resumes on the next line (or, inside an unclosed quote, on the line after the record's first).
    public var maxRecordBytes: Int
    /// The most fields one record may have; more rejects the record.
    public var maxColumns: Int

    /// A configuration; every value is raised to at least 1 (the buffer to at least 16 bytes).
    public init(
        bufferSize: Int = 64 * 1024, maxFieldBytes: Int = Self.defaultMaxFieldBytes,
        maxRecordBytes: Int = Self.defaultMaxRecordBytes, maxColumns: Int = Self.defaultMaxColumns
    ) {
        self.bufferSize = max(bufferSize, 16)
        self.maxFieldBytes = max(maxFieldBytes, 1)
        self.maxRecordBytes = max(maxRecordBytes, 1)
        self.maxColumns = max(maxColumns, 1)
    }
}
