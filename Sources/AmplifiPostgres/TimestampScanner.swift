public import Foundation

/// Reads the fields of an ISO-8601-like timestamp (`YYYY-MM-DD[T| ]HH:MM:SS[.f…]`
/// followed by `Z`, an offset `±HH[:MM[:SS]]`, or nothing) without Foundation
/// formatters, which are slow and would run per row. Policies — which separators
/// and zones a caller accepts — stay with the callers (Postgres' output format,
/// the product's UTC-only `scheduledFor`).
public struct TimestampScanner: Sendable, Equatable {
    /// How the text ended after the seconds.
    public enum Zone: Sendable, Equatable {
        /// No zone at all.
        case none
        /// `Z` or `z`.
        case zulu
        /// `±HH[:MM[:SS]]`, in seconds east of UTC.
        case offset(seconds: Int)
    }

    /// The calendar fields as written.
    public var year, month, day, hour, minute, second: Int
    /// The fractional second (0 when absent) and how many digits it had.
    public var fraction: Double
    public var fractionDigits: Int
    /// The byte between date and time (`T`, `t` or a space).
    public var separator: UInt8
    /// The zone designator.
    public var zone: Zone

    /// Scans `text`; nil when it is not of this shape or has bytes left over.
    public static func scan(_ text: some StringProtocol) -> TimestampScanner? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<count {
                let byte = bytes[index + offset]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += count
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard index < bytes.count, bytes[index] == character.asciiValue else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            index < bytes.count
        else { return nil }
        let separator = bytes[index]
        index += 1
        guard let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2)
        else { return nil }
        var fraction = 0.0
        var digits = 0
        if expect(".") {
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
                digits += 1
            }
            if digits == 0 { return nil }
        }
        var zone = Zone.none
        if expect("Z") || expect("z") {
            zone = .zulu
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = number(2) else { return nil }
            var seconds = hours * 3600
            if expect(":") {
                guard let minutes = number(2) else { return nil }
                seconds += minutes * 60
                if expect(":") {
                    guard let extra = number(2) else { return nil }
                    seconds += extra
                }
            }
            zone = .offset(seconds: sign * seconds)
        }
        guard index == bytes.count else { return nil }
        return TimestampScanner(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second,
            fraction: fraction, fractionDigits: digits, separator: separator, zone: zone)
    }

    /// The instant, reading a missing zone as UTC; nil for a date that does not exist
    /// (31 April, hour 24…).
    public var date: Date? {
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        var epoch = timegm(&parts)
        // timegm normalizes 31 April into 1 May: refuse dates that do not exist.
        var check = tm()
        gmtime_r(&epoch, &check)
        guard check.tm_mday == Int32(day), check.tm_mon == Int32(month - 1) else { return nil }
        let offset: Int
        switch zone {
        case .offset(let seconds): offset = seconds
        case .none, .zulu: offset = 0
        }
        return Date(timeIntervalSince1970: Double(epoch - offset) + fraction)
    }

    /// Writes `date` in UTC as `YYYY-MM-DD<separator>HH:MM:SS[.fraction]<suffix>`, with
    /// `fractionDigits` digits of fraction (0: none; `omitZeroFraction` drops a fraction
    /// that is all zeros). The one formatter behind Postgres parameters and API timestamps.
    public static func format(
        _ date: Date, separator: Character, fractionDigits: Int, omitZeroFraction: Bool = false, suffix: String
    ) -> String {
        let scale = (0..<fractionDigits).reduce(1) { value, _ in value * 10 }
        let interval = date.timeIntervalSince1970
        var seconds = Int(interval.rounded(.down))
        var fraction = Int(((interval - Double(seconds)) * Double(scale)).rounded())
        if fraction >= scale {
            seconds += 1
            fraction -= scale
        }
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        var text = "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
        text.append(separator)
        text += "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
        if fractionDigits > 0 && !(omitZeroFraction && fraction == 0) {
            text += ".\(pad(fraction, fractionDigits))"
        }
        return text + suffix
    }
}
