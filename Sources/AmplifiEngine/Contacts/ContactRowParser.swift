import AmplifiMessaging

/// Turns one CSV record into a normalized ``ContactImportRow`` or a rejection saying why.
///
/// Rules (documented in docs for `amplifi contacts import`):
/// - `phone` is required and normalized to E.164 (any standard US format, or `+` international).
/// - `tags`: several tags in one cell are separated by `;` or `,` (so a tag cannot contain either);
///   blanks are dropped, duplicates removed.
/// - `state`: two letters, upper-cased (`nc` → `NC`).
/// - `timezone`: an IANA zone known to the database (exact spelling, e.g. `America/Chicago`).
/// - `isTextable` / `optedOut`: `true`/`false` (also `yes`/`no`, `1`/`0`, `t`/`f`), empty = not given.
/// - any other column is a custom field; empty cells are not stored.
struct ContactRowParser: Sendable {
    let header: ContactImportHeader
    let timeZones: TimeZoneCatalog

    /// The row, or the rejection with every problem found.
    func parse(_ record: CSVRecord) -> Result<ContactImportRow, ContactImportRejection> {
        if let problem = record.problem {
            return .failure(ContactImportRejection(line: record.line, problem: problem))
        }
        if record.fields.count != header.fieldCount {
            return .failure(
                ContactImportRejection(
                    line: record.line, code: ContactImportRejection.fieldCountMismatch, field: nil,
                    reason: "has \(record.fields.count) fields but the header has \(header.fieldCount)"))
        }
        var problems: [(field: String, reason: String)] = []
        func cell(_ column: ContactColumn) -> String? {
            guard let index = header.standard[column] else { return nil }
            let value = Self.clean(record.fields[index])
            return value.isEmpty ? nil : value
        }

        var phone = ""
        if let raw = cell(.phone) {
            do {
                phone = try PhoneNumber.normalize(raw)
            } catch {
                problems.append(("phone", "is not a valid phone number: \(error.message)"))
            }
        } else {
            problems.append(("phone", "is empty; every imported contact needs a phone number"))
        }

        var state = cell(.state)
        if let raw = state {
            let upper = raw.uppercased()
            if upper.utf8.count == 2, upper.utf8.allSatisfy({ (65...90).contains($0) }) {
                state = upper
            } else {
                problems.append(("state", "'\(raw)' is not a two-letter state code (e.g. NC)"))
            }
        }

        let timezone = cell(.timezone)
        if let timezone, !timeZones.contains(timezone) {
            problems.append(("timezone", "'\(timezone)' is not a known IANA time zone (e.g. America/Chicago)"))
        }

        var isTextable: Bool?
        if let raw = cell(.isTextable) {
            isTextable = Self.boolean(raw)
            if isTextable == nil { problems.append(("isTextable", "'\(raw)' is not true or false")) }
        }
        var optedOut = false
        if let raw = cell(.optedOut) {
            if let value = Self.boolean(raw) {
                optedOut = value
            } else {
                problems.append(("optedOut", "'\(raw)' is not true or false"))
            }
        }

        let tags = cell(.tags).map(Self.tags) ?? []

        var custom: [String: String] = [:]
        for (key, index) in header.custom {
            let value = Self.clean(record.fields[index])
            if !value.isEmpty { custom[key] = value }
        }

        if let first = problems.first {
            return .failure(
                ContactImportRejection(
                    line: record.line, field: first.field,
                    reason: problems.map { "\($0.field) \($0.reason)" }.joined(separator: "; ")))
        }
        return .success(
            ContactImportRow(
                line: record.line, phone: phone, firstName: cell(.firstName), lastName: cell(.lastName),
                email: cell(.email), address: cell(.address), city: cell(.city), state: state, zip: cell(.zip),
                tags: tags, customFields: custom, timezone: timezone, isTextable: isTextable, optedOut: optedOut))
    }

    /// Trimmed, without NUL characters (which Postgres text cannot hold).
    static func clean(_ value: String) -> String {
        let trimmed = value.trimmingWhitespace()
        return trimmed.contains("\0") ? trimmed.replacingOccurrences0() : trimmed
    }

    /// The tags of a `tags` cell: split on `;` or `,`, trimmed, blanks dropped, duplicates removed
    /// keeping first-seen order (a set remembers what was seen, so a cell of many tags stays linear).
    static func tags(_ raw: String) -> [String] {
        var tags: [String] = []
        var seen = Set<String>()
        for part in raw.split(whereSeparator: { $0 == ";" || $0 == "," }) {
            let tag = String(part).trimmingWhitespace()
            if !tag.isEmpty, seen.insert(tag).inserted { tags.append(tag) }
        }
        return tags
    }

    static func boolean(_ raw: String) -> Bool? {
        switch raw.lowercased() {
        case "true", "t", "yes", "y", "1": true
        case "false", "f", "no", "n", "0": false
        default: nil
        }
    }
}

extension String {
    fileprivate func replacingOccurrences0() -> String {
        String(unicodeScalars.filter { $0 != "\0" }.map(Character.init))
    }
}
