import AmplifiMessaging
public import Foundation

/// A streaming RFC 4180 CSV reader that reports the line each record starts on.
///
/// Written here instead of using CSV.swift's `CSVReader` because that reader does not
/// report line positions, and a rejected row must be reported by its line in the file.
/// Memory is one read buffer (64 KiB) plus the current record, whatever the file size.
/// Accepts `,` separators, `"`-quoted fields with `""` escapes and embedded commas and
/// newlines, LF or CRLF line ends, and a leading UTF-8 byte-order mark. Blank lines are skipped.
public final class CSVStreamReader {
    private let stream: InputStream
    private var buffer: [UInt8]
    private var position = 0
    private var filled = 0
    private var atEnd = false
    private var line = 1
    private var checkedBOM = false

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// Opens the file at `path`; throws `VALIDATION_FAILED` (field `file`) when it cannot be read.
    public convenience init(path: String, bufferSize: Int = 64 * 1024) throws {
        guard FileManager.default.isReadableFile(atPath: path), let stream = InputStream(fileAtPath: path) else {
            throw EngineError(.validationFailed, "cannot read '\(path)': check the path and permissions", field: "file")
        }
        self.init(stream: stream, bufferSize: bufferSize)
    }

    /// Reads from `stream` (opened here, closed at the end or on deinit).
    public init(stream: InputStream, bufferSize: Int = 64 * 1024) {
        self.stream = stream
        self.buffer = [UInt8](repeating: 0, count: max(bufferSize, 16))
        stream.open()
    }

    deinit {
        stream.close()
    }

    /// The next record, or nil at the end of the input.
    public func next() throws -> CSVRecord? {
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var quotedField = false
        var startLine = line
        var sawContent = false

        while true {
            guard let byte = try nextByte() else {
                if inQuotes {
                    fields.append(Self.string(field))
                    return CSVRecord(
                        line: startLine, fields: fields, problem: "a quoted field is never closed (missing \")")
                }
                if !sawContent { return nil }
                fields.append(Self.string(field))
                return CSVRecord(line: startLine, fields: fields)
            }
            if inQuotes {
                if byte == Self.quote {
                    if peekByte() == Self.quote {
                        _ = try nextByte()
                        field.append(Self.quote)
                    } else {
                        inQuotes = false
                    }
                } else {
                    if byte == Self.newline { line += 1 }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case Self.comma:
                sawContent = true
                fields.append(Self.string(field))
                field.removeAll(keepingCapacity: true)
                quotedField = false
            case Self.newline, Self.carriageReturn:
                if byte == Self.carriageReturn, peekByte() == Self.newline { _ = try nextByte() }
                line += 1
                if !sawContent {
                    // A blank line: skip it, the next record starts on the following line.
                    startLine = line
                    continue
                }
                fields.append(Self.string(field))
                return CSVRecord(line: startLine, fields: fields)
            case Self.quote where field.isEmpty && !quotedField:
                sawContent = true
                inQuotes = true
                quotedField = true
            default:
                // A stray quote inside an unquoted field, or text after a closing quote,
                // is kept literally (lenient, like most spreadsheet exports expect).
                sawContent = true
                field.append(byte)
            }
        }
    }

    private static func string(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    @inline(__always)
    private func nextByte() throws -> UInt8? {
        if position == filled {
            try refill()
            if position == filled { return nil }
        }
        let byte = buffer[position]
        position += 1
        return byte
    }

    @inline(__always)
    private func peekByte() -> UInt8? {
        if position == filled { try? refill() }
        return position < filled ? buffer[position] : nil
    }

    private func refill() throws {
        guard !atEnd else { return }
        let count = buffer.withUnsafeMutableBufferPointer { pointer in
            stream.read(pointer.baseAddress!, maxLength: pointer.count)
        }
        if count < 0 {
            throw EngineError(
                .validationFailed, "reading the file failed: \(stream.streamError.map { "\($0)" } ?? "unknown error")",
                field: "file")
        }
        if count == 0 { atEnd = true }
        position = 0
        filled = count
        if !checkedBOM {
            checkedBOM = true
            if filled >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { position = 3 }
        }
    }
}
