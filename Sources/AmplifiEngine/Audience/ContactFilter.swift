import AmplifiMessaging
public import Foundation

/// The audience filter language shared by saved segments and a campaign's
/// `contactFilter`: the contact list filters of the product's contacts API
/// (tags with AND/OR logic, textability, opt-out, has email/phone, states, zip,
/// search). Every field is optional; an empty filter matches every contact.
public struct ContactFilter: Sendable, Equatable, Codable {
    /// How `tags` combine.
    public enum TagsLogic: String, Sendable, Codable {
        /// A contact with any of the tags matches (the default).
        case or = "OR"
        /// A contact must have all of the tags.
        case and = "AND"
    }

    /// Tags to match (see `tagsLogic`).
    public var tags: [String]?
    /// AND or OR; OR when absent.
    public var tagsLogic: TagsLogic?
    /// true: only confirmed textable; false: only confirmed non-textable.
    public var isTextable: Bool?
    /// true: only opted-out contacts; false: only opted-in ones.
    public var optedOut: Bool?
    /// Whether the contact has an email address.
    public var hasEmail: Bool?
    /// Whether the contact has a phone number.
    public var hasPhone: Bool?
    /// Two-letter US state codes.
    public var state: [String]?
    /// An exact ZIP code.
    public var zip: String?
    /// Case-insensitive match on first name, last name, email or phone.
    public var search: String?

    public init(
        tags: [String]? = nil, tagsLogic: TagsLogic? = nil, isTextable: Bool? = nil, optedOut: Bool? = nil,
        hasEmail: Bool? = nil, hasPhone: Bool? = nil, state: [String]? = nil, zip: String? = nil, search: String? = nil
    ) {
        self.tags = tags
        self.tagsLogic = tagsLogic
        self.isTextable = isTextable
        self.optedOut = optedOut
        self.hasEmail = hasEmail
        self.hasPhone = hasPhone
        self.state = state
        self.zip = zip
        self.search = search
    }

    /// The keys the language knows; anything else in a filter is rejected, so a
    /// typo (`"tag": […]`) never silently widens an audience to everyone.
    public static let knownKeys: Set<String> = [
        "tags", "tagsLogic", "isTextable", "optedOut", "hasEmail", "hasPhone", "state", "zip", "search",
    ]

    /// Parses a filter from JSON, collecting every problem with its field name
    /// (prefixed by `field`, e.g. `contactFilter.tagsLogic`).
    public static func parse(json: Data, field: String = "contactFilter") -> Result<ContactFilter, ValidationFailure> {
        guard let object = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
            return .failure(ValidationFailure([EngineError(.validationFailed, "must be a JSON object", field: field)]))
        }
        return parse(object: object, field: field)
    }

    /// Parses a filter from a decoded JSON object (see ``parse(json:field:)``); with an empty
    /// `field` the problems name the keys alone (query parameters).
    public static func parse(object: [String: Any], field: String = "contactFilter") -> Result<
        ContactFilter, ValidationFailure
    > {
        var problems: [EngineError] = []
        func problem(_ key: String, _ message: String) {
            problems.append(EngineError(.validationFailed, message, field: field.isEmpty ? key : "\(field).\(key)"))
        }
        for key in object.keys.sorted() where !knownKeys.contains(key) {
            problem(key, "is not a filter field (known: \(knownKeys.sorted().joined(separator: ", ")))")
        }
        /// A list given as an array of strings or as one comma-separated string.
        func list(_ key: String) -> [String]? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            if let text = value as? String {
                return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            if let array = value as? [Any], let strings = array as? [String] { return strings }
            problem(key, "must be a list of strings or a comma-separated string")
            return nil
        }
        func bool(_ key: String) -> Bool? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            // Foundation bridges the JSON numbers 1/0 to Bool; only a real JSON
            // boolean (or a native Swift Bool) counts.
            if let flag = value as? Bool, isBoolean(value) { return flag }
            if let text = value as? String, text == "true" || text == "false" { return text == "true" }
            problem(key, "must be true or false")
            return nil
        }
        func isBoolean(_ value: Any) -> Bool {
            if type(of: value) == Bool.self { return true }
            guard let number = value as? NSNumber else { return false }
            return type(of: number) == type(of: NSNumber(value: true))
        }
        func string(_ key: String) -> String? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            if let text = value as? String { return text }
            problem(key, "must be a string")
            return nil
        }
        var filter = ContactFilter()
        filter.tags = list("tags")
        if let logic = string("tagsLogic") {
            if let parsed = TagsLogic(rawValue: logic.uppercased()) {
                filter.tagsLogic = parsed
            } else {
                problem("tagsLogic", "must be AND or OR")
            }
        }
        filter.isTextable = bool("isTextable")
        filter.optedOut = bool("optedOut")
        filter.hasEmail = bool("hasEmail")
        filter.hasPhone = bool("hasPhone")
        if let states = list("state") {
            let upper = states.map { $0.uppercased() }
            for code in upper where code.count != 2 || !code.allSatisfy({ $0.isASCII && $0.isLetter }) {
                problem("state", "\"\(code)\" is not a two-letter state code")
            }
            filter.state = upper
        }
        filter.zip = string("zip")
        if let search = string("search") {
            filter.search = search.trimmingCharacters(in: .whitespaces)
        }
        return problems.isEmpty ? .success(filter) : .failure(ValidationFailure(problems))
    }

    /// The filter as a JSON object with only the fields that are set (stored in
    /// `campaigns.contact_filter` and `segments.filter`).
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
