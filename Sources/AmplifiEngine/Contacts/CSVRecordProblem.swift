public import AmplifiMessaging

/// Why a CSV record could not be read whole (its fields are then partial), with a stable code.
public struct CSVRecordProblem: AmplifiError, Equatable {
    /// The kinds of problem, each with its own code.
    public enum Kind: String, Sendable, CaseIterable {
        /// `CSV_UNCLOSED_QUOTE`: a quoted field runs to the end of the file.
        case unclosedQuote
        /// `CSV_RECORD_TOO_LARGE`: the record spans more bytes than the reader's cap.
        case recordTooLarge
        /// `CSV_FIELD_TOO_LARGE`: one field holds more bytes than the reader's cap.
        case fieldTooLarge
        /// `CSV_TOO_MANY_COLUMNS`: the record has more fields than the reader's cap.
        case tooManyColumns
        /// `CSV_INVALID_UTF8`: a field is not valid UTF-8 text.
        case invalidUTF8
    }

    /// What went wrong.
    public let kind: Kind
    /// What is wrong and what to do about it.
    public let message: String

    /// The stable code of the kind, e.g. `CSV_FIELD_TOO_LARGE`.
    public var code: AmplifiErrorCode { Self.code(of: kind) }

    /// The stable code of `kind`.
    public static func code(of kind: Kind) -> AmplifiErrorCode {
        switch kind {
        case .unclosedQuote: "CSV_UNCLOSED_QUOTE"
        case .recordTooLarge: "CSV_RECORD_TOO_LARGE"
        case .fieldTooLarge: "CSV_FIELD_TOO_LARGE"
        case .tooManyColumns: "CSV_TOO_MANY_COLUMNS"
        case .invalidUTF8: "CSV_INVALID_UTF8"
        }
    }

    /// Whether the problem is about the file's structure (the record's end was not where it seemed),
    /// which explains more than a problem with one field and so replaces it.
    var isStructural: Bool { kind == .unclosedQuote || kind == .recordTooLarge }

    /// A problem of `kind` described by `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    static let unclosedQuote = CSVRecordProblem(
        .unclosedQuote,
        "a quoted field is never closed (missing \"); close the quote (the lines after it are read as rows of their own)"
    )

    static func recordTooLarge(limit: Int) -> CSVRecordProblem {
        CSVRecordProblem(
            .recordTooLarge,
            "the row is longer than \(limit) bytes (or a quote opened here is never closed); "
                + "shorten it or close the quote")
    }

    static func fieldTooLarge(column: Int, limit: Int) -> CSVRecordProblem {
        CSVRecordProblem(.fieldTooLarge, "column \(column) is longer than \(limit) bytes; shorten it")
    }

    static func tooManyColumns(limit: Int) -> CSVRecordProblem {
        CSVRecordProblem(.tooManyColumns, "the row has more than \(limit) columns; remove the extra ones")
    }

    static func invalidUTF8(column: Int) -> CSVRecordProblem {
        CSVRecordProblem(
            .invalidUTF8, "column \(column) is not valid UTF-8 text; save the file as UTF-8 (CSV UTF-8)")
    }
}
