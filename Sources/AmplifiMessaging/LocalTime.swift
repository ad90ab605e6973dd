/// A wall-clock time of day (hour and minute) in the recipient's timezone.
public struct LocalTime: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Hour, 0...23.
    public let hour: Int
    /// Minute, 0...59.
    public let minute: Int

    /// A time of day, or nil when hour or minute is out of range.
    public init?(hour: Int, minute: Int = 0) {
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        self.hour = hour
        self.minute = minute
    }

    /// Parses `HH:MM` (24-hour clock), or nil.
    public init?(parsing text: String) {
        let parts = text.trimmingWhitespace().split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 2, (1...2).contains(parts[0].count),
            let hour = Int(parts[0]), let minute = Int(parts[1])
        else { return nil }
        self.init(hour: hour, minute: minute)
    }

    /// Minutes since local midnight.
    public var minutesSinceMidnight: Int { hour * 60 + minute }

    /// `HH:MM`.
    public var description: String {
        (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
    }

    /// Orders by time of day.
    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool {
        lhs.minutesSinceMidnight < rhs.minutesSinceMidnight
    }

    /// 08:00, the default opening.
    public static let eightAM = LocalTime(hour: 8)!
    /// 20:00, the closing in Florida and Oklahoma.
    public static let eightPM = LocalTime(hour: 20)!
    /// 21:00, the default closing.
    public static let ninePM = LocalTime(hour: 21)!
}
