import Foundation

/// Formats and parses `timestamptz` in the text form this layer's sessions use
/// (`DateStyle=ISO`, `TimeZone=UTC`: `2025-04-23 18:45:00.123456+00`), without
/// Foundation formatters (they are slow and this runs per row).
enum PostgresTimestamp {
    static func format(_ date: Date) -> String {
        TimestampScanner.format(date, separator: " ", fractionDigits: 6, suffix: "+00")
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
