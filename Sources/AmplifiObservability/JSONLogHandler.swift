public import Foundation
public import Logging

/// A swift-log handler writing one JSON object per line: `timestamp` (UTC, milliseconds), `level`,
/// `label`, `message` and the metadata as string fields — what log collectors (Loki, Elasticsearch,
/// CloudWatch) index without a parser. Lines go to a `LogSink` (standard error by default).
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let sink: LogSink

    /// A handler for `label` at `level`, writing to `sink`.
    public init(label: String, level: Logger.Level, sink: LogSink = .standardError) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        sink.write(
            Self.line(
                date: Date(), level: event.level, label: label, message: "\(event.message)", metadata: merged))
    }

    /// The JSON line (with its newline) for one event. Metadata keys never replace the four fixed ones.
    public static func line(
        date: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata
    ) -> String {
        var text = "{\"timestamp\":\"\(timestamp(date))\",\"level\":\"\(level.rawValue)\","
        text += "\"label\":\(quoted(label)),\"message\":\(quoted(message))"
        for key in metadata.keys.sorted() where !["timestamp", "level", "label", "message"].contains(key) {
            text += ",\(quoted(key)):\(quoted(flatten(metadata[key]!)))"
        }
        return text + "}\n"
    }

    /// A metadata value as one string (lists and dictionaries in swift-log's own rendering).
    static func flatten(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        default: value.description
        }
    }

    /// `2026-12-01T11:42:31.123Z`.
    static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1_000).rounded(.down))
        var time = time_t(milliseconds / 1_000)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1_900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec),
            Int(milliseconds % 1_000))
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Where log lines go: standard error (one `write` per line, so lines of concurrent tasks never
/// interleave), or a closure (tests).
public struct LogSink: Sendable {
    let write: @Sendable (String) -> Void

    /// A sink calling `write` with each line.
    public init(_ write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    /// Standard error.
    public static let standardError = LogSink { line in
        var line = line
        line.withUTF8 { bytes in _ = Foundation.write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }

    func write(_ line: String) { write(line) }
}
