import AmplifiMessaging
import Foundation

/// Reads the members of a JSON request object by type, collecting a problem per member that is
/// missing or of the wrong type (each naming its field), so a request body reports every problem
/// at once. Absent and `null` members read as nil.
struct JSONFieldReader {
    let object: [String: CampaignJSON]
    private(set) var problems: [EngineError] = []

    /// A reader of `json`, or the problem when it is not a JSON object nested at most
    /// `JSONNesting.campaignBodyLimit` levels deep; `what` names the body ("campaign").
    static func object(_ json: Data, what: String) -> Result<JSONFieldReader, EngineError> {
        if JSONNesting.exceeds(JSONNesting.campaignBodyLimit, in: json) {
            return .failure(
                EngineError(
                    .validationFailed,
                    "nests arrays or objects more than \(JSONNesting.campaignBodyLimit) levels deep; flatten it",
                    field: "body"))
        }
        guard let value = try? JSONDecoder().decode(CampaignJSON.self, from: json), case .object(let object) = value
        else {
            return .failure(EngineError(.validationFailed, "the \(what) body must be a JSON object", field: "body"))
        }
        return .success(JSONFieldReader(object: object))
    }

    /// Records a problem with `field`.
    mutating func problem(_ field: String, _ message: String) {
        problems.append(EngineError(.validationFailed, message, field: field))
    }

    /// Records a problem for every member not in `known`; `what` names the body ("campaign").
    mutating func rejectUnknownMembers(known: Set<String>, what: String) {
        for key in object.keys.sorted() where !known.contains(key) {
            let list = "known fields: \(known.sorted().joined(separator: ", "))"
            if key.isEmpty {
                problem("body", "has a member with an empty name; remove it (\(list))")
            } else {
                problem(key, "is not a \(what) field; remove it (\(list))")
            }
        }
    }

    /// The value of `key` unless absent or null.
    func present(_ key: String) -> CampaignJSON? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    /// A string member.
    mutating func string(_ key: String) -> String? {
        guard let value = present(key) else { return nil }
        if case .string(let text) = value { return text }
        problem(key, "must be a string, got \(value.typeName)")
        return nil
    }

    /// A boolean member.
    mutating func bool(_ key: String) -> Bool? {
        guard let value = present(key) else { return nil }
        if case .bool(let flag) = value { return flag }
        problem(key, "must be true or false, got \(value.typeName)")
        return nil
    }

    /// A UUID member (a string in any case, surrounding spaces ignored).
    mutating func uuid(_ key: String) -> UUID? {
        guard let text = string(key) else { return nil }
        if let id = UUID(uuidString: text.trimmingCharacters(in: .whitespaces)) { return id }
        problem(key, "must be a UUID such as 3f2b8c1e-5d4a-4c1b-9a7e-2f6d8e9b0c1a")
        return nil
    }

    /// An array of strings, item by item (nil where an item is not a string, with its problem
    /// recorded, so the others keep their positions); `example` shows the expected shape.
    mutating func strings(_ key: String, example: String) -> [String?]? {
        guard let value = present(key) else { return nil }
        guard case .array(let items) = value else {
            problem(key, "must be an array of strings such as \(example), got \(value.typeName)")
            return nil
        }
        return items.enumerated().map { index, item in
            guard case .string(let text) = item else {
                problem("\(key)[\(index)]", "must be a string, got \(item.typeName)")
                return nil
            }
            return text
        }
    }

    /// An object whose members are all strings; `example` shows the expected shape in the problem.
    mutating func stringMap(_ key: String, example: String) -> [String: String]? {
        guard let value = present(key) else { return nil }
        guard case .object(let members) = value else {
            problem(key, "must be an object of strings such as \(example), got \(value.typeName)")
            return nil
        }
        var map: [String: String] = [:]
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            guard case .string(let text) = member else {
                problem("\(key).\(name)", "must be a string, got \(member.typeName)")
                continue
            }
            map[name] = text
        }
        return map.count == members.count ? map : nil
    }
}
