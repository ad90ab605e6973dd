import CLibpq

/// The rows a statement returned, read lazily from libpq's result buffer: a value
/// becomes a Swift `String` only when a column is decoded.
public final class PostgresResult: @unchecked Sendable, RandomAccessCollection {
    // Safety: a PGresult is immutable once returned by libpq; reading it from
    // several threads is safe. It is freed exactly once, in deinit.
    private let handle: OpaquePointer?
    /// Column names, in order.
    public let columns: [String]
    /// For UPDATE/INSERT/DELETE/COPY: the number of rows affected.
    public let affectedRows: Int
    private let rowCount: Int
    private let query: String

    init(handle: OpaquePointer?, query: String) {
        self.handle = handle
        self.query = query
        guard let handle else {
            self.columns = []
            self.rowCount = 0
            self.affectedRows = 0
            return
        }
        let fieldCount = Int(PQnfields(handle))
        self.columns = (0..<fieldCount).map { String(cString: PQfname(handle, Int32($0))) }
        self.rowCount = Int(PQntuples(handle))
        self.affectedRows = Int(String(cString: PQcmdTuples(handle))) ?? 0
    }

    deinit { PQclear(handle) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { rowCount }
    public subscript(position: Int) -> PostgresRow { PostgresRow(result: self, index: position) }

    /// The raw text of one cell, nil for NULL.
    func text(row: Int, column: Int) -> String? {
        guard let handle else { return nil }
        if PQgetisnull(handle, Int32(row), Int32(column)) == 1 { return nil }
        return String(cString: PQgetvalue(handle, Int32(row), Int32(column)))
    }

    func columnIndex(_ name: String) -> Int? { columns.firstIndex(of: name) }

    func decodingError(_ message: String) -> PostgresError {
        PostgresError(code: .decoding, message: message, query: query)
    }
}

/// One row of a ``PostgresResult``. Decode columns by position or name, or the
/// whole row as a tuple: `let (id, name) = try row.decode((UUID, String).self)`.
public struct PostgresRow: Sendable {
    let result: PostgresResult
    let index: Int

    /// Decodes the column at `column` (0-based).
    public func decode<Value: PostgresDecodable>(_ type: Value.Type = Value.self, at column: Int) throws -> Value {
        guard column < result.columns.count else {
            throw result.decodingError("the result has \(result.columns.count) columns; column \(column) was requested")
        }
        switch Value.decode(postgresValue: result.text(row: index, column: column)) {
        case .value(let value): return value
        case .unexpectedNull:
            throw result.decodingError(
                "column \"\(result.columns[column])\" is NULL but \(Value.self) is not optional")
        case .invalid:
            throw result.decodingError("column \"\(result.columns[column])\" is not a valid \(Value.self)")
        }
    }

    /// Decodes the column named `name`.
    public func decode<Value: PostgresDecodable>(_ type: Value.Type = Value.self, named name: String) throws -> Value {
        guard let column = result.columnIndex(name) else {
            throw result.decodingError(
                "the result has no column \"\(name)\" (columns: \(result.columns.joined(separator: ", ")))")
        }
        return try decode(Value.self, at: column)
    }

    /// Decodes the first columns, in order, as a tuple.
    public func decode<each Value: PostgresDecodable>(_ types: (repeat each Value).Type) throws -> (repeat each Value) {
        var column = 0
        func next<V: PostgresDecodable>(_ type: V.Type) throws -> V {
            defer { column += 1 }
            return try decode(V.self, at: column)
        }
        return (repeat try next((each Value).self))
    }
}
