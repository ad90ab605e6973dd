public import Foundation

/// Quiet hours for one recipient zone and window: is a send allowed now, when does the window open, how long is left.
///
/// Works in local wall-clock time through a Gregorian calendar set to the zone, so it is correct
/// across DST changes and for half-hour offsets. Build one per (zone, window) and reuse it.
public struct QuietHoursWindow: Sendable {
    /// Twilio's longest `ValidityPeriod`, in seconds.
    public static let maximumValidityPeriod = 36_000

    /// The recipient's calendar (Gregorian, zone set).
    public let calendar: Calendar
    /// The allowed local window.
    public let window: SendWindow

    /// The recipient's timezone.
    public var timeZone: TimeZone { calendar.timeZone }

    /// A window in `timeZone`.
    public init(timeZone: TimeZone, window: SendWindow = .standard) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
        self.window = window
    }

    /// A window for the zone `timeZoneIdentifier` and a contact in `state`, under `policy`.
    public init(
        timeZoneIdentifier: String,
        state: String? = nil,
        policy: QuietHoursPolicy = QuietHoursPolicy(),
        cache: TimeZoneCache = .shared
    ) throws(QuietHoursError) {
        guard let calendar = cache.calendar(for: timeZoneIdentifier) else {
            throw QuietHoursError(.unknownTimezone, detail: String(timeZoneIdentifier.prefix(64)), field: "timezone")
        }
        guard let window = policy.window(forState: state) else {
            throw QuietHoursError(.emptyWindow, detail: state.map { String($0.prefix(8)) })
        }
        self.calendar = calendar
        self.window = window
    }

    /// Whether a bulk send is allowed at `instant`.
    public func isOpen(at instant: Date) -> Bool {
        window.contains(secondOfDay: localSecondOfDay(instant))
    }

    /// The send decision at `instant`: open until when (with the validity period), or closed until when.
    public func decision(at instant: Date) -> QuietHoursDecision {
        if isOpen(at: instant) {
            let closesAt = localInstant(dayOffset: 0, time: window.end, from: instant)
            return .open(
                closesAt: closesAt, validityPeriod: QuietHoursWindow.validityPeriod(from: instant, to: closesAt))
        }
        return .closed(opensAt: nextOpening(after: instant))
    }

    /// `instant` itself when the window is open, else the instant the window next opens.
    public func nextOpening(after instant: Date) -> Date {
        if isOpen(at: instant) { return instant }
        let second = localSecondOfDay(instant)
        var dayOffset = second < window.start.minutesSinceMidnight * 60 ? 0 : 1
        // A DST gap can move a computed opening before `instant`; look at the following day then.
        while dayOffset < 4 {
            let opening = localInstant(dayOffset: dayOffset, time: window.start, from: instant)
            if opening > instant { return opening }
            dayOffset += 1
        }
        return localInstant(dayOffset: dayOffset, time: window.start, from: instant)
    }

    /// The carrier validity period at `instant`: seconds until the window closes, within 1...36,000;
    /// nil when the window is closed.
    public func validityPeriod(at instant: Date) -> Int? {
        guard case .open(_, let seconds) = decision(at: instant) else { return nil }
        return seconds
    }

    /// Whole seconds from `instant` to `closesAt`, clamped to 1...36,000.
    static func validityPeriod(from instant: Date, to closesAt: Date) -> Int {
        let seconds = closesAt.timeIntervalSince(instant).rounded(.down)
        return Int(min(max(seconds, 1), Double(maximumValidityPeriod)))
    }

    /// Local wall-clock second of the day (0..<86,400) at `instant`.
    func localSecondOfDay(_ instant: Date) -> Int {
        let utcSeconds = Int(instant.timeIntervalSince1970.rounded(.down))
        let local = utcSeconds + calendar.timeZone.secondsFromGMT(for: instant)
        let second = local % 86_400
        return second < 0 ? second + 86_400 : second
    }

    /// The instant of local `time` on the local day `dayOffset` days after the one containing `instant`.
    /// A time that does not exist that day (DST gap) resolves to the first existing time after it.
    func localInstant(dayOffset: Int, time: LocalTime, from instant: Date) -> Date {
        var day = calendar.dateComponents([.year, .month, .day], from: instant)
        day.day = (day.day ?? 1) + dayOffset
        day.hour = time.hour
        day.minute = time.minute
        day.second = 0
        if let date = calendar.date(from: day) {
            return date
        }
        // Unreachable for a Gregorian calendar with a valid zone; fall back to a fixed-offset estimate.
        return instant.addingTimeInterval(Double(dayOffset * 86_400))
    }
}
