import AmplifiMessaging
import Foundation

/// The body of `POST /api/contacts` (create or merge) and `PATCH /api/contacts/{id}` (update),
/// parsed with every problem reported at once, each naming its field.
///
/// Create: `phone` is required (any standard US format, stored as E.164); the other fields are
/// optional. Update: every field is optional and `phone` cannot change; `tags` and
/// `customFields` replace the stored ones, and `null` clears a text field.
struct ContactRequest: Sendable, Equatable {
    /// A text column the body may set, with its database column.
    enum TextField: String, CaseIterable, Sendable {
        case firstName, lastName, email, address, city, state, zip, timezone

        var column: String {
            switch self {
            case .firstName: "first_name"
            case .lastName: "last_name"
            default: rawValue
            }
        }
    }

    /// The most custom fields a contact may carry.
    static let maxCustomFields = 20
    /// The longest tag.
    static let maxTagLength = 100

    var phone: String?
    /// The text fields the body named: a value, or nil to clear it (update only).
    var text: [TextField: String?] = [:]
    var tags: [String]?
    var customFields: [String: String]?

    /// The members a body may have (`phone` only when creating).
    static func knownKeys(creating: Bool) -> Set<String> {
        Set(TextField.allCases.map(\.rawValue) + ["tags", "customFields"] + (creating ? ["phone"] : []))
    }

    static func parse(json: Data, creating: Bool) throws(ValidationFailure) -> ContactRequest {
        var reader: JSONFieldReader
        switch JSONFieldReader.object(json, what: "contact") {
        case .success(let object): reader = object
        case .failure(let problem): throw ValidationFailure([problem])
        }
        reader.rejectUnknownMembers(
            known: knownKeys(creating: creating), what: creating ? "contact" : "updatable contact")
        var request = ContactRequest()
        if creating {
            if let raw = reader.string("phone") {
                do {
                    request.phone = try PhoneNumber.normalize(raw)
                } catch {
                    reader.problem("phone", "is not a valid phone number: \(error.message)")
                }
            } else if reader.present("phone") == nil {
                reader.problem("phone", "is required: the contact's number in any US format, e.g. (919) 555-1234")
            }
        }
        for field in TextField.allCases {
            if !creating, reader.object[field.rawValue] == .null {
                request.text[field] = .some(nil)
                continue
            }
            guard let raw = reader.string(field.rawValue) else { continue }
            let value = raw.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\0", with: "")
            switch field {
            case .state:
                let upper = value.uppercased()
                guard upper.utf8.count == 2, upper.utf8.allSatisfy({ (65...90).contains($0) }) else {
                    reader.problem("state", "'\(raw)' is not a two-letter state code (e.g. NC)")
                    continue
                }
                request.text[field] = upper
            case .email where !value.isEmpty && !value.contains("@"):
                reader.problem("email", "'\(raw)' is not an email address")
            default:
                request.text[field] = value.isEmpty ? .some(nil) : value
            }
        }
        if let tags = reader.strings("tags", example: "[\"vip\", \"member\"]") {
            var seen = Set<String>()
            var kept: [String] = []
            for (index, tag) in tags.enumerated() {
                guard let tag = tag?.trimmingCharacters(in: .whitespacesAndNewlines) else { continue }
                if tag.isEmpty || tag.count > maxTagLength {
                    reader.problem("tags[\(index)]", "must be 1 to \(maxTagLength) characters")
                } else if seen.insert(tag).inserted {
                    kept.append(tag)
                }
            }
            request.tags = kept
        }
        if let value = reader.present("customFields") {
            if case .object(let members) = value {
                var fields: [String: String] = [:]
                for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                    switch member {
                    case .string(let text): fields[key] = text
                    case .number(let number):
                        fields[key] = number.rounded() == number ? String(Int64(number)) : "\(number)"
                    case .bool(let flag): fields[key] = flag ? "true" : "false"
                    case .null: continue
                    default:
                        reader.problem(
                            "customFields.\(key)", "must be a string, number or boolean, got \(member.typeName)")
                    }
                }
                if fields.count > maxCustomFields {
                    reader.problem(
                        "customFields", "has \(fields.count) fields; a contact carries at most \(maxCustomFields)")
                }
                request.customFields = fields
            } else {
                reader.problem(
                    "customFields", "must be an object such as {\"favoriteColor\": \"green\"}, got \(value.typeName)")
            }
        }
        if !creating, reader.problems.isEmpty, request.text.isEmpty, request.tags == nil, request.customFields == nil {
            reader.problem("body", "names nothing to change")
        }
        if !reader.problems.isEmpty { throw ValidationFailure(reader.problems) }
        return request
    }

    /// The row the importer's merge statement takes (one row: the same merge rules as an import).
    func importRow() -> ContactImportRow? {
        guard let phone else { return nil }
        func value(_ field: TextField) -> String? { text[field] ?? nil }
        return ContactImportRow(
            line: 0, phone: phone, firstName: value(.firstName), lastName: value(.lastName), email: value(.email),
            address: value(.address), city: value(.city), state: value(.state), zip: value(.zip), tags: tags ?? [],
            customFields: customFields ?? [:], timezone: value(.timezone), isTextable: nil, optedOut: false)
    }
}
