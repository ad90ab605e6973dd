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
        let bytes = Array(text.trimmingCharacters(in: .whitespaces).utf8)
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
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2), expect(UInt8(ascii: "-")),
            let day = number(2), expect(UInt8(ascii: "T")) || expect(UInt8(ascii: "t")),
            let hour = number(2), expect(UInt8(ascii: ":")), let minute = number(2), expect(UInt8(ascii: ":")),
            let second = number(2)
        else { return .failure(.malformed) }
        var fraction = 0.0
        if expect(UInt8(ascii: ".")) {
            var scale = 0.1
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
                digits += 1
            }
            if digits == 0 || digits > 9 { return .failure(.malformed) }
        }
        if expect(UInt8(ascii: "Z")) || expect(UInt8(ascii: "z")) {
            // UTC
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            index += 1
            guard let offsetHours = number(2), expect(UInt8(ascii: ":")), let offsetMinutes = number(2),
                index == bytes.count
            else { return .failure(.malformed) }
            if offsetHours != 0 || offsetMinutes != 0 { return .failure(.notUTC) }
        } else {
            // No offset at all: ambiguous local time.
            return .failure(index == bytes.count ? .notUTC : .malformed)
        }
        guard index == bytes.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
            second < 60, year >= 1970
        else { return .failure(.malformed) }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        var epoch = timegm(&parts)
        // timegm normalizes 31 April into 1 May: reject dates that do not exist.
        var check = tm()
        gmtime_r(&epoch, &check)
        guard check.tm_mday == Int32(day), check.tm_mon == Int32(month - 1) else { return .failure(.malformed) }
        return .success(Date(timeIntervalSince1970: Double(epoch) + fraction))
    }

    /// Formats `date` as `YYYY-MM-DDTHH:MM:SSZ`, with milliseconds when they are not zero.
    public static func format(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = Int(interval.rounded(.down))
        var millis = Int(((interval - Double(seconds)) * 1000).rounded())
        if millis >= 1000 {
            seconds += 1
            millis -= 1000
        }
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let base =
            "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
        return millis == 0 ? base + "Z" : base + ".\(pad(millis, 3))Z"
    }
}
