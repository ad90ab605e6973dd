/// One accepted import row, normalized and ready to upsert. Empty cells are nil (they
/// never overwrite an existing contact's value).
struct ContactImportRow: Sendable, Equatable {
    /// The line of the (last) file row this came from.
    var line: Int
    /// E.164.
    var phone: String
    var firstName: String?
    var lastName: String?
    var email: String?
    var address: String?
    var city: String?
    /// Two upper-case letters.
    var state: String?
    var zip: String?
    /// Distinct, in first-seen order.
    var tags: [String]
    /// Non-empty custom field values by key.
    var customFields: [String: String]
    /// A valid IANA zone.
    var timezone: String?
    /// nil = keep / lookup pending.
    var isTextable: Bool?
    /// true opts the contact out; false never opts anyone back in.
    var optedOut: Bool

    /// Folds a later row for the same phone into this one, the way the database merge
    /// does: later non-empty values win, tags are unioned, custom fields merged key by key,
    /// and an opt-out sticks.
    mutating func merge(_ later: ContactImportRow) {
        line = later.line
        firstName = later.firstName ?? firstName
        lastName = later.lastName ?? lastName
        email = later.email ?? email
        address = later.address ?? address
        city = later.city ?? city
        state = later.state ?? state
        zip = later.zip ?? zip
        for tag in later.tags where !tags.contains(tag) { tags.append(tag) }
        customFields.merge(later.customFields) { _, new in new }
        timezone = later.timezone ?? timezone
        isTextable = later.isTextable ?? isTextable
        optedOut = optedOut || later.optedOut
    }

    /// The custom fields as a JSON object (keys sorted, values strings).
    var customFieldsJSON: String {
        var out = "{"
        for (offset, key) in customFields.keys.sorted().enumerated() {
            if offset > 0 { out += "," }
            Self.appendJSONString(key, to: &out)
            out += ":"
            Self.appendJSONString(customFields[key]!, to: &out)
        }
        return out + "}"
    }

    static func appendJSONString(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value == 0 {
                    continue  // Postgres text and jsonb cannot hold NUL
                } else if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
