/// The daily local-time interval in which bulk sends are allowed: from `start` (inclusive) to `end` (exclusive).
public struct SendWindow: Hashable, Sendable, Codable, CustomStringConvertible {
    /// First allowed minute.
    public let start: LocalTime
    /// First minute no longer allowed.
    public let end: LocalTime

    /// A window; `start` must be before `end` (windows do not cross midnight).
    public init(start: LocalTime, end: LocalTime) throws(QuietHoursError) {
        guard start < end else {
            throw QuietHoursError(.invalidWindow, detail: "\(start)–\(end)")
        }
        self.start = start
        self.end = end
    }

    /// 08:00–21:00, the platform default.
    public static let standard = try! SendWindow(start: .eightAM, end: .ninePM)

    /// The part of both windows (the stricter rule), or nil when they do not overlap.
    public func intersection(_ other: SendWindow) -> SendWindow? {
        try? SendWindow(start: max(start, other.start), end: min(end, other.end))
    }

    /// Whether a local second of the day (0..<86,400) is inside the window.
    public func contains(secondOfDay: Int) -> Bool {
        secondOfDay >= start.minutesSinceMidnight * 60 && secondOfDay < end.minutesSinceMidnight * 60
    }

    /// `HH:MM–HH:MM`.
    public var description: String { "\(start)–\(end)" }
}
