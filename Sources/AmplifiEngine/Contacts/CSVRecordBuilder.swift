/// The record a ``CSVStreamReader`` is reading: its fields so far, the caps they must stay under,
/// the first problem found, and the bytes to read again if an open quote turns out never to close.
struct CSVRecordBuilder {
    let configuration: CSVReaderConfiguration
    /// The line the record starts on.
    private(set) var startLine = 1
    private(set) var fields: [String] = []
    private var field: [UInt8] = []
    private var fieldOverflowed = false
    /// Bytes the record spans so far (separators and quotes included, the line end excluded).
    private var byteCount = 0
    /// Whether the record has anything in it yet (a line with nothing is blank, and skipped).
    private(set) var sawContent = false
    private(set) var problem: CSVRecordProblem?
    /// While inside a quoted field that has crossed a line end: the line after that line end and
    /// every byte read since, so the reader can read them again as rows when the quote never closes.
    private(set) var replay: (line: Int, bytes: [UInt8])?

    init(configuration: CSVReaderConfiguration) {
        self.configuration = configuration
    }

    /// Empties the builder for a record starting on `line` (keeps the allocated capacity).
    mutating func start(line: Int) {
        startLine = line
        fields.removeAll(keepingCapacity: true)
        field.removeAll(keepingCapacity: true)
        fieldOverflowed = false
        byteCount = 0
        sawContent = false
        problem = nil
        replay = nil
    }

    /// Counts one byte of the record; false when the record has grown past its cap.
    mutating func take(_ byte: UInt8) -> Bool {
        byteCount += 1
        sawContent = true
        replay?.bytes.append(byte)
        return byteCount <= configuration.maxRecordBytes
    }

    /// Appends `byte` to the current field (dropped past the field cap, which is then reported).
    mutating func append(_ byte: UInt8) {
        if field.count < configuration.maxFieldBytes {
            field.append(byte)
        } else if !fieldOverflowed {
            fieldOverflowed = true
            report(.fieldTooLarge(column: fields.count + 1, limit: configuration.maxFieldBytes))
        }
    }

    /// A quoted field crossed a line end; the next line is `line`.
    mutating func crossedLineInQuotes(nextLine line: Int) {
        if replay == nil { replay = (line, []) }
    }

    /// The quoted field closed: nothing needs reading again.
    mutating func closedQuote() {
        replay = nil
    }

    /// Ends the current field: checks the column cap and that the bytes are UTF-8.
    mutating func endField() {
        defer {
            field.removeAll(keepingCapacity: true)
            fieldOverflowed = false
        }
        guard fields.count < configuration.maxColumns else {
            report(.tooManyColumns(limit: configuration.maxColumns))
            return
        }
        if let text = String(validating: field, as: UTF8.self) {
            fields.append(text)
        } else {
            report(.invalidUTF8(column: fields.count + 1))
            fields.append("")
        }
    }

    /// Records `problem`: a structural one replaces a field's, otherwise the first one found stays.
    mutating func report(_ problem: CSVRecordProblem) {
        if self.problem == nil || (problem.isStructural && self.problem?.isStructural == false) {
            self.problem = problem
        }
    }

    /// The record read.
    var record: CSVRecord {
        CSVRecord(line: startLine, fields: fields, problem: problem)
    }
}
