import Foundation

/// Formats and parses `timestamptz` in the text form this layer's sessions use
/// (`DateStyle=ISO`, `TimeZone=UTC`: `2025-04-23 18:45:00.123456+00`), without
/// Foundation formatters (they are slow and this runs per row).
enum PostgresTimestamp {
    static func format(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = Int(interval.rounded(.down))
        var micros = Int(((interval - Double(seconds)) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let microText = String(micros)
        let fraction = String(repeating: "0", count: 6 - microText.count) + microText
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2)) "
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(fraction)+00"
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM[:SS]]|-HH…]`, and `infinity`.
    static func parse(_ text: String) -> Date? {
        if text == "infinity" { return .distantFuture }
        if text == "-infinity" { return .distantPast }
        guard let scanned = TimestampScanner.scan(text),
            scanned.separator == UInt8(ascii: " ") || scanned.separator == UInt8(ascii: "T")
        else { return nil }
        return scanned.date
    }
}
