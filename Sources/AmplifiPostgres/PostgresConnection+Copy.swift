import CLibpq

extension PostgresConnection {
    /// Bulk-loads rows with `COPY table (columns) FROM STDIN` (text format), the
    /// fastest way to write many rows. Values use the same text encoding as
    /// statement parameters. Returns the number of rows copied. Either every row
    /// lands or none does.
    @discardableResult
    public nonisolated func copy<Rows: Sequence<[any PostgresEncodable]> & Sendable>(
        into table: String, columns: [String], rows: Rows
    ) async throws -> Int {
        try await forwardingCancellation { try await self.copyNow(into: table, columns: columns, rows: rows) }
    }

    private func copyNow(into table: String, columns: [String], rows: some Sequence<[any PostgresEncodable]>) throws
        -> Int
    {
        let sql =
            "COPY \(quoteIdentifierPath(table)) (\(columns.map(quoteIdentifier).joined(separator: ", "))) FROM STDIN"
        do {
            let connection = try liveHandle(for: sql)
            let start = PQexec(connection, sql)
            try check(start, query: sql)
            PQclear(start)
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 16)
            var failure: PostgresError?
            func flush() {
                guard failure == nil, !buffer.isEmpty else { return }
                let sent = buffer.withUnsafeBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) {
                        PQputCopyData(connection, $0.baseAddress, Int32($0.count))
                    }
                }
                if sent != 1 { failure = makeError(result: nil, query: sql) }
                buffer.removeAll(keepingCapacity: true)
            }
            for row in rows {
                guard row.count == columns.count else {
                    failure = PostgresError(
                        code: .encoding, message: "a COPY row has \(row.count) values for \(columns.count) columns",
                        query: sql)
                    break
                }
                for (index, value) in row.enumerated() {
                    if index > 0 { buffer.append(UInt8(ascii: "\t")) }
                    guard let text = value.postgresText else {
                        buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
                        continue
                    }
                    if text.utf8.contains(0) {
                        failure = PostgresError(
                            code: .encoding, message: "a COPY value contains a NUL byte", query: sql)
                        break
                    }
                    appendCopyEscaped(text, to: &buffer)
                }
                if failure != nil { break }
                buffer.append(UInt8(ascii: "\n"))
                if buffer.count >= 1 << 16 { flush() }
                if failure != nil { break }
            }
            flush()
            // Ending with an error message makes the server abort the COPY: nothing lands.
            _ = PQputCopyEnd(connection, failure == nil ? nil : "aborted by client")
            var copied = 0
            var serverError: (any Error)?
            while let result = PQgetResult(connection) {
                do {
                    try check(result, query: sql)
                    copied = Int(String(cString: PQcmdTuples(result))) ?? copied
                    PQclear(result)
                } catch {
                    serverError = serverError ?? error
                }
            }
            if let failure { throw failure }
            if let serverError { throw serverError }
            return copied
        }
    }
}

/// Escapes a value for COPY's text format: backslash, tab, newline and carriage return.
private func appendCopyEscaped(_ text: String, to buffer: inout [UInt8]) {
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        default: buffer.append(byte)
        }
    }
}

/// Quotes an identifier (`"name"`, doubling embedded quotes).
func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// Quotes a possibly schema-qualified name, `schema.table`.
func quoteIdentifierPath(_ path: String) -> String {
    path.split(separator: ".").map { quoteIdentifier(String($0)) }.joined(separator: ".")
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
