public import Foundation

/// RFC 2822 dates as Twilio writes them (`Thu, 30 Jul 2015 20:12:31 +0000`), parsed and formatted
/// without `DateFormatter` (no locale, no allocation of a formatter, thread-safe).
public enum RFC2822Date {
    /// English month abbreviations, as RFC 2822 requires.
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    /// English weekday abbreviations, Sunday first.
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]

    /// Parses `[Day, ]DD Mon YYYY HH:MM[:SS] (+hhmm|-hhmm|GMT|UT|Z)`; nil when it is not such a date.
    public static func parse(_ text: String) -> Date? {
        var tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !tokens.isEmpty else { return nil }
        if tokens[0].hasSuffix(",") {
            // The weekday is informational; it is checked to be one of the seven names only.
            guard weekdays.contains(String(tokens[0].dropLast())) else { return nil }
            tokens.removeFirst()
        }
        guard tokens.count == 5,
            let day = Int(tokens[0]), (1...31).contains(day),
            let monthIndex = months.firstIndex(of: tokens[1]),
            let year = Int(tokens[2]), tokens[2].count == 4
        else { return nil }
        let timeParts = tokens[3].split(separator: ":")
        guard timeParts.count == 2 || timeParts.count == 3,
            let hour = Int(timeParts[0]), (0...23).contains(hour),
            let minute = Int(timeParts[1]), (0...59).contains(minute)
        else { return nil }
        var second = 0
        if timeParts.count == 3 {
            guard let value = Int(timeParts[2]), (0...60).contains(value) else { return nil }
            second = value
        }
        guard let offset = zoneOffsetSeconds(tokens[4]) else { return nil }
        let month = monthIndex + 1
        guard day <= daysIn(month: month, year: year) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Formats `date` in GMT the way Twilio does: `Thu, 30 Jul 2015 20:12:31 +0000`.
    public static func format(_ date: Date) -> String {
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let secondsOfDay = total - days * 86_400
        let (year, month, day) = civilFromDays(days)
        let weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday (index 4).
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(weekdays[weekday]), \(two(day)) \(months[month - 1]) \(year) "
            + "\(two(secondsOfDay / 3_600)):\(two(secondsOfDay / 60 % 60)):\(two(secondsOfDay % 60)) +0000"
    }

    /// Seconds east of UTC for a zone token.
    private static func zoneOffsetSeconds(_ zone: String) -> Int? {
        switch zone {
        case "GMT", "UT", "UTC", "Z": return 0
        default: break
        }
        let scalars = Array(zone.utf8)
        guard scalars.count == 5, scalars[0] == UInt8(ascii: "+") || scalars[0] == UInt8(ascii: "-"),
            let hours = Int(zone.dropFirst().prefix(2)), let minutes = Int(zone.suffix(2)),
            zone.dropFirst().allSatisfy(\.isASCII), zone.dropFirst().allSatisfy(\.isNumber), minutes < 60
        else { return nil }
        let offset = hours * 3_600 + minutes * 60
        return scalars[0] == UInt8(ascii: "-") ? -offset : offset
    }

    /// Days in a month of the proleptic Gregorian calendar.
    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    private static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
