/// A statement and its parameters. Built by string interpolation, values never
/// enter the SQL text: each interpolated value becomes a `$n` placeholder and
/// travels separately.
///
/// ```swift
/// let query: PostgresQuery = "SELECT id FROM contacts WHERE org_id = \(orgID) AND phone = \(phone)"
/// ```
/// Use `\(unescaped:)` only for trusted SQL fragments such as identifiers built in code.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The SQL text with `$1…$n` placeholders.
    public var sql: String
    /// The parameters in text format, nil for NULL.
    public var binds: [String?]

    /// A statement from SQL text that already contains its `$n` placeholders.
    public init(sql: String, binds: [String?] = []) {
        self.sql = sql
        self.binds = binds
    }

    /// A statement from SQL text and values for its `$n` placeholders.
    public init(sql: String, _ values: [any PostgresEncodable]) {
        self.init(sql: sql, binds: values.map(\.postgresText))
    }

    public init(stringLiteral value: String) {
        self.init(sql: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(sql: stringInterpolation.sql, binds: stringInterpolation.binds)
    }

    /// The SQL only; parameters are never printed.
    public var description: String { sql }

    /// Collects SQL text and parameters while a query literal is interpolated.
    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [String?] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql.append(literal)
        }

        /// Binds a value as the next `$n` parameter.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            binds.append(value.postgresText)
            sql.append("$\(binds.count)")
        }

        /// Binds an optional value (nil is SQL NULL).
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            binds.append(value?.postgresText)
            sql.append("$\(binds.count)")
        }

        /// Inserts trusted SQL text as is. Never pass user input here.
        public mutating func appendInterpolation(unescaped fragment: String) {
            sql.append(fragment)
        }
    }
}
