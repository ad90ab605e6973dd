public import Foundation

/// A Swift type that can be read from a column in Postgres' text output format.
public protocol PostgresDecodable: Sendable {
    /// Decodes a non-NULL value; returns nil when the text is not a valid value.
    init?(postgresText text: String)

    /// Decodes a possibly-NULL value. The default rejects NULL; `Optional` accepts it.
    static func decode(postgresValue value: String?) -> DecodingOutcome<Self>
}

/// The result of decoding one column value.
public enum DecodingOutcome<Value> {
    case value(Value)
    case unexpectedNull
    case invalid
}

extension PostgresDecodable {
    public static func decode(postgresValue value: String?) -> DecodingOutcome<Self> {
        guard let value else { return .unexpectedNull }
        guard let decoded = Self(postgresText: value) else { return .invalid }
        return .value(decoded)
    }
}

/// A closed set stored as text (an enum whose raw values are the column's values) decodes by raw
/// value: declare the conformance (`extension MessageStatus: PostgresDecodable {}`) and an unknown
/// value is reported as invalid, never guessed.
extension PostgresDecodable where Self: RawRepresentable, RawValue == String {
    public init?(postgresText text: String) { self.init(rawValue: text) }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init?(postgresText text: String) {
        guard let value = Wrapped(postgresText: text) else { return nil }
        self = .some(value)
    }

    public static func decode(postgresValue value: String?) -> DecodingOutcome<Self> {
        guard let value else { return .value(nil) }
        guard let decoded = Wrapped(postgresText: value) else { return .invalid }
        return .value(.some(decoded))
    }
}

extension String: PostgresDecodable {
    public init?(postgresText text: String) { self = text }
}

extension Int: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Int64: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Int32: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Int16: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Double: PostgresDecodable {
    public init?(postgresText text: String) {
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default: self.init(text)
        }
    }
}

extension Bool: PostgresDecodable {
    public init?(postgresText text: String) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

extension UUID: PostgresDecodable {
    public init?(postgresText text: String) {
        guard let uuid = PostgresUUIDText.parse(text) else { return nil }
        self = uuid
    }
}

extension Date: PostgresDecodable {
    public init?(postgresText text: String) {
        guard let date = PostgresTimestamp.parse(text) else { return nil }
        self = date
    }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    /// A one-dimensional array (`text[]`, `bigint[]`, `uuid[]`…).
    public init?(postgresText text: String) {
        guard let elements = PostgresArrayLiteral.parse(text) else { return nil }
        var decoded: [Element] = []
        decoded.reserveCapacity(elements.count)
        for element in elements {
            guard case .value(let value) = Element.decode(postgresValue: element) else { return nil }
            decoded.append(value)
        }
        self = decoded
    }
}

extension PostgresJSON: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }

    /// Decodes the JSON text into a `Decodable` type.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}

extension PostgresBytes: PostgresDecodable {
    /// Reads `bytea` in hex output format (`\x0a1b…`).
    public init?(postgresText text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0
        else { return nil }
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 48...57: byte - 48
            case 97...102: byte - 87
            case 65...70: byte - 55
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes)
    }
}
