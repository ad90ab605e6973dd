import AmplifiMessaging

/// Where each column of an import file goes: a standard contact field or a custom field.
public struct ContactImportHeader: Sendable, Equatable {
    /// The most custom fields a contact may carry (the product's limit, enforced by the schema).
    public static let maxCustomFields = 20

    /// Field index of each standard column present in the file.
    public var standard: [ContactColumn: Int]
    /// Custom fields: the key (the header as written, trimmed) and its field index.
    public var custom: [(key: String, index: Int)]
    /// How many fields the header has.
    public var fieldCount: Int

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.standard == rhs.standard && lhs.fieldCount == rhs.fieldCount
            && lhs.custom.map(\.key) == rhs.custom.map(\.key) && lhs.custom.map(\.index) == rhs.custom.map(\.index)
    }

    /// Maps header names (case-insensitive, snake_case tolerated). Throws `VALIDATION_FAILED`
    /// (field `header`) for a missing phone column, duplicate or empty names, or more than 20
    /// custom columns (naming the extra ones).
    public init(fields: [String]) throws {
        var standard: [ContactColumn: Int] = [:]
        var custom: [(key: String, index: Int)] = []
        var seen: [String: Int] = [:]
        var problems: [EngineError] = []
        for (index, raw) in fields.enumerated() {
            let name = raw.trimmingWhitespace()
            if name.isEmpty {
                problems.append(EngineError(.validationFailed, "column \(index + 1) has no name", field: "header"))
                continue
            }
            let folded = ContactColumn.fold(name)
            if let previous = seen[folded] {
                problems.append(
                    EngineError(
                        .validationFailed, "columns \(previous + 1) and \(index + 1) are both '\(name)'",
                        field: "header"))
                continue
            }
            seen[folded] = index
            if let column = ContactColumn(header: name) {
                standard[column] = index
            } else {
                custom.append((key: name, index: index))
            }
        }
        if standard[.phone] == nil {
            problems.append(EngineError(.validationFailed, "a 'phone' column is required", field: "header"))
        }
        if custom.count > Self.maxCustomFields {
            let extra = custom[Self.maxCustomFields...].map { "'\($0.key)'" }.joined(separator: ", ")
            problems.append(
                EngineError(
                    .validationFailed,
                    "\(custom.count) custom columns, at most \(Self.maxCustomFields) allowed; remove or rename: \(extra)",
                    field: "header"))
        }
        if !problems.isEmpty { throw problems.count == 1 ? problems[0] as any Error : ValidationFailure(problems) }
        self.standard = standard
        self.custom = custom
        self.fieldCount = fields.count
    }
}

extension String {
    /// The string without leading and trailing whitespace (no Foundation needed).
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return String(self[first...last])
    }
}
