import AmplifiPostgres
public import Foundation

/// Strict UTC ISO-8601 timestamps for campaign bodies: `2026-05-01T14:00:00Z`, optionally
/// with a fraction (`…00.250Z`) and `+00:00` in place of `Z`. Any other offset is refused,
/// because the product says `scheduledFor` must be UTC and a silent conversion hides mistakes.
public enum UTCTimestamp {
    /// Why a timestamp was refused.
    public enum Problem: Error, Sendable, Equatable {
        /// Not `YYYY-MM-DDTHH:MM:SS[.fff]Z`, or an impossible date.
        case malformed
        /// A valid timestamp with a non-UTC offset.
        case notUTC
    }

    /// Parses `text`, or says why it is not a UTC timestamp.
    public static func parse(_ text: String) -> Result<Date, Problem> {
        guard let scanned = TimestampScanner.scan(text.trimmingCharacters(in: .whitespaces)),
            scanned.separator == UInt8(ascii: "T") || scanned.separator == UInt8(ascii: "t"),
            scanned.fractionDigits <= 9, scanned.year >= 1970
        else { return .failure(.malformed) }
        switch scanned.zone {
        case .none:
            // No offset at all: an ambiguous local time.
            return .failure(.notUTC)
        case .offset(let seconds) where seconds != 0:
            return .failure(.notUTC)
        case .zulu, .offset:
            guard let date = scanned.date else { return .failure(.malformed) }
            return .success(date)
        }
    }

    /// Formats `date` as `YYYY-MM-DDTHH:MM:SSZ`, with milliseconds when they are not zero.
    public static func format(_ date: Date) -> String {
        TimestampScanner.format(date, separator: "T", fractionDigits: 3, omitZeroFraction: true, suffix: "Z")
    }
}
