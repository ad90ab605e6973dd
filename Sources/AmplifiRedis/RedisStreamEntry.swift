/// One stream entry as `XREADGROUP`, `XRANGE` or `XAUTOCLAIM` return it.
public struct RedisStreamEntry: Sendable, Hashable {
    /// The entry id (`1700000000000-0`).
    public var id: String
    /// The entry's fields; values are bytes. Empty when the entry was deleted while
    /// still pending (Redis then sends a null field list).
    public var fields: [String: [UInt8]]

    public init(id: String, fields: [String: [UInt8]]) {
        self.id = id
        self.fields = fields
    }

    /// A field's value as UTF-8 text.
    public func string(_ field: String) -> String? {
        fields[field].flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// Parses `[[id, [field, value, …]], …]`.
    static func entries(from value: RedisValue, command: String) throws -> [RedisStreamEntry] {
        guard let items = value.array else { throw unexpected(command) }
        return try items.map { item in
            guard let pair = item.array, pair.count == 2, let id = pair[0].string else { throw unexpected(command) }
            var fields: [String: [UInt8]] = [:]
            if let flat = pair[1].array {
                guard flat.count.isMultiple(of: 2) else { throw unexpected(command) }
                for index in stride(from: 0, to: flat.count, by: 2) {
                    guard let name = flat[index].bytes, let value = flat[index + 1].bytes else {
                        throw unexpected(command)
                    }
                    fields[String(decoding: name, as: UTF8.self)] = value
                }
            } else if !pair[1].isNull {
                throw unexpected(command)
            }
            return RedisStreamEntry(id: id, fields: fields)
        }
    }

    static func unexpected(_ command: String) -> RedisError {
        RedisError(code: .protocolViolation, message: "unexpected reply shape for \(command)", command: command)
    }
}
