public import Foundation

/// A Swift value that can be bound as a statement parameter. Values travel in
/// Postgres' text format; `nil` means SQL NULL.
public protocol PostgresEncodable: Sendable {
    /// The value in Postgres' text input format, or nil for NULL.
    var postgresText: String? { get }
}

extension String: PostgresEncodable {
    public var postgresText: String? { self }
}

extension Substring: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int16: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Double: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Bool: PostgresEncodable {
    public var postgresText: String? { self ? "t" : "f" }
}

extension UUID: PostgresEncodable {
    public var postgresText: String? { PostgresUUIDText.format(self) }
}

extension Date: PostgresEncodable {
    public var postgresText: String? { PostgresTimestamp.format(self) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? {
        switch self {
        case .some(let value): value.postgresText
        case .none: nil
        }
    }
}

extension Array: PostgresEncodable where Element: PostgresEncodable {
    /// A one-dimensional array literal (`{"a","b",NULL}`), usable as `$1::text[]`,
    /// `$1::bigint[]`, `$1::uuid[]`… — the way to send a whole batch in one parameter.
    public var postgresText: String? { PostgresArrayLiteral.encode(self.lazy.map(\.postgresText)) }
}

/// A JSON document bound as text, for `jsonb` columns (`$1::jsonb`).
public struct PostgresJSON: PostgresEncodable, Hashable {
    /// The JSON text.
    public var text: String
    public init(_ text: String) { self.text = text }
    /// Encodes an `Encodable` value with JSONEncoder (sorted keys, so output is stable).
    public init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }
    public var postgresText: String? { text }
}

/// Raw bytes bound to a `bytea` parameter (hex format).
public struct PostgresBytes: PostgresEncodable, Hashable {
    /// The bytes.
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var postgresText: String? {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 2 + bytes.count * 2)
        out[0] = UInt8(ascii: "\\")
        out[1] = UInt8(ascii: "x")
        for (index, byte) in bytes.enumerated() {
            out[2 + index * 2] = digits[Int(byte >> 4)]
            out[3 + index * 2] = digits[Int(byte & 0x0F)]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
