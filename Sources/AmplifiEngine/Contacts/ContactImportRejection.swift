public import AmplifiMessaging

/// A row of an import file that was not imported, with why and a stable code.
public struct ContactImportRejection: AmplifiError, Equatable, Codable {
    /// The line the row starts on (the header is line 1).
    public var line: Int
    /// The stable code: `VALIDATION_FAILED` for a cell that breaks a rule, `CSV_…` for a row that
    /// could not be read (see ``CSVRecordProblem``), `CSV_FIELD_COUNT_MISMATCH` for a row whose
    /// field count is not the header's.
    public var code: AmplifiErrorCode
    /// The column at fault (the first one, when several are), or nil for a row-level problem.
    public var field: String?
    /// What is wrong, for a person (never contains the phone number).
    public var reason: String

    /// The code of a row whose field count differs from the header's.
    public static let fieldCountMismatch: AmplifiErrorCode = "CSV_FIELD_COUNT_MISMATCH"

    /// Creates a rejection (code `VALIDATION_FAILED` unless given).
    public init(line: Int, code: AmplifiErrorCode = .validationFailed, field: String?, reason: String) {
        self.line = line
        self.code = code
        self.field = field
        self.reason = reason
    }

    /// A rejection for a record the CSV reader could not read whole.
    init(line: Int, problem: CSVRecordProblem) {
        self.init(line: line, code: problem.code, field: nil, reason: problem.message)
    }

    /// The reason (``AmplifiError``'s name for it).
    public var message: String { reason }

    enum CodingKeys: String, CodingKey {
        case line, code, field, reason
    }

    /// Decodes a rejection; a missing `code` (a report written before codes) is `VALIDATION_FAILED`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        line = try container.decode(Int.self, forKey: .line)
        code = AmplifiErrorCode(try container.decodeIfPresent(String.self, forKey: .code) ?? "VALIDATION_FAILED")
        field = try container.decodeIfPresent(String.self, forKey: .field)
        reason = try container.decode(String.self, forKey: .reason)
    }

    /// Encodes the line, the code (as its string), the field and the reason.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(line, forKey: .line)
        try container.encode(code.rawValue, forKey: .code)
        try container.encodeIfPresent(field, forKey: .field)
        try container.encode(reason, forKey: .reason)
    }
}
