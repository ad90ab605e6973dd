import AmplifiMessaging
public import Foundation

/// A streaming RFC 4180 CSV reader that reports the line each record starts on.
///
/// Written here instead of using CSV.swift's `CSVReader` because that reader does not
/// report line positions, and a rejected row must be reported by its line in the file.
/// Accepts `,` separators, `"`-quoted fields with `""` escapes and embedded commas and
/// newlines, LF or CRLF line ends, and a leading UTF-8 byte-order mark. Blank lines are skipped.
///
/// Memory is one read buffer plus one record, whatever the file: a record past the caps of its
/// ``CSVReaderConfiguration`` (field bytes, record bytes, columns) or with a field that is not
/// UTF-8 comes back with a ``CSVRecordProblem`` instead of being read whole, and reading goes
/// on with the next record. A quote that never closes is bounded the same way: the record is
/// reported on its first line and the lines after that line are read again as rows of their own.
public final class CSVStreamReader {
    private let stream: InputStream
    /// The caps and buffer size.
    public let configuration: CSVReaderConfiguration
    private var buffer: [UInt8]
    private var position = 0
    private var filled = 0
    private var atEnd = false
    private var line = 1
    private var checkedBOM = false
    private var builder: CSVRecordBuilder

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// Where the reader is inside the current record.
    private enum State {
        /// At the start of a field: a quote here opens a quoted field.
        case fieldStart
        /// Inside an unquoted field (or after a quoted one closed): quotes are literal.
        case unquoted
        /// Inside a quoted field.
        case quoted
        /// Inside a quoted field, just after a quote: another quote is an escaped quote, anything else closes.
        case quoteInQuoted
    }

    /// Opens the file at `path`; throws `VALIDATION_FAILED` (field `file`) when it cannot be read.
    public convenience init(path: String, configuration: CSVReaderConfiguration = CSVReaderConfiguration()) throws {
        guard FileManager.default.isReadableFile(atPath: path), let stream = InputStream(fileAtPath: path) else {
            throw EngineError(.validationFailed, "cannot read '\(path)': check the path and permissions", field: "file")
        }
        self.init(stream: stream, configuration: configuration)
    }

    /// Reads from `stream` (opened here, closed at the end or on deinit).
    public init(stream: InputStream, configuration: CSVReaderConfiguration = CSVReaderConfiguration()) {
        self.stream = stream
        self.configuration = configuration
        self.buffer = [UInt8](repeating: 0, count: configuration.bufferSize)
        self.builder = CSVRecordBuilder(configuration: configuration)
        stream.open()
    }

    deinit {
        stream.close()
    }

    /// The next record, or nil at the end of the input. Throws only when the input cannot be read;
    /// a malformed record is returned with its ``CSVRecord/problem`` set.
    public func next() throws -> CSVRecord? {
        builder.start(line: line)
        var state = State.fieldStart
        while true {
            guard let byte = try nextByte() else {
                switch state {
                case .quoted:
                    builder.report(.unclosedQuote)
                    builder.endField()
                    replayOpenQuote()
                    return builder.record
                case .fieldStart where !builder.sawContent:
                    return nil
                default:
                    builder.endField()
                    return builder.record
                }
            }
            if state == .quoteInQuoted {
                if byte == Self.quote {
                    state = .quoted
                    guard builder.take(byte) else { return try recordTooLarge(inQuotes: true) }
                    builder.append(Self.quote)
                    continue
                }
                builder.closedQuote()
                state = .unquoted
            }
            if state != .quoted, byte == Self.newline || byte == Self.carriageReturn {
                if byte == Self.carriageReturn, peekByte() == Self.newline { _ = try nextByte() }
                line += 1
                if !builder.sawContent {
                    // A blank line: skip it, the next record starts on the following line.
                    builder.start(line: line)
                    continue
                }
                builder.endField()
                return builder.record
            }
            guard builder.take(byte) else { return try recordTooLarge(inQuotes: state == .quoted) }
            switch state {
            case .quoted:
                if byte == Self.quote {
                    state = .quoteInQuoted
                } else {
                    builder.append(byte)
                    if byte == Self.newline {
                        line += 1
                        builder.crossedLineInQuotes(nextLine: line)
                    }
                }
            case .fieldStart where byte == Self.quote:
                state = .quoted
            case _ where byte == Self.comma:
                builder.endField()
                state = .fieldStart
            default:
                // A stray quote inside an unquoted field, or text after a closing quote,
                // is kept literally (lenient, like most spreadsheet exports expect).
                builder.append(byte)
                state = .unquoted
            }
        }
    }

    /// The record grew past its cap: reports it and resynchronises. Inside a quoted field that
    /// crossed a line end, the lines after the record's first are read again (so rows swallowed by
    /// a stray quote are not lost); otherwise the rest of the line is skipped.
    private func recordTooLarge(inQuotes: Bool) throws -> CSVRecord {
        builder.report(.recordTooLarge(limit: configuration.maxRecordBytes))
        if inQuotes, builder.replay != nil {
            replayOpenQuote()
        } else {
            try skipRestOfLine()
        }
        return builder.record
    }

    /// Puts back the bytes read since the open quote's first line end (at most the record cap), to
    /// be read again as records starting on the line after it.
    private func replayOpenQuote() {
        guard let replay = builder.replay else { return }
        let rest = buffer[position..<filled]
        buffer = replay.bytes + rest
        position = 0
        filled = buffer.count
        line = replay.line
    }

    /// Discards bytes up to and including the next line end.
    private func skipRestOfLine() throws {
        while let byte = try nextByte() {
            if byte == Self.newline || byte == Self.carriageReturn {
                if byte == Self.carriageReturn, peekByte() == Self.newline { _ = try nextByte() }
                line += 1
                return
            }
        }
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
        if buffer.count != configuration.bufferSize {
            // A replay left a buffer of another size: back to the configured one.
            buffer = [UInt8](repeating: 0, count: configuration.bufferSize)
        }
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
        filled = max(0, count)
        if !checkedBOM {
            checkedBOM = true
            if filled >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { position = 3 }
        }
    }
}
