public import Foundation

/// Time zones for a chaos run's recipients, chosen from the moment the run starts so that some are
/// certainly inside the legal send window for the whole run and some certainly outside it —
/// whatever the hour on the machine's clock — and the independent check of the window that the
/// invariants use (08:00–21:00 local; Florida and Oklahoma 08:00–20:00).
public enum ChaosTimeZones {
    /// One zone per UTC offset from −10 to +14, so at any instant about half are open.
    static let candidates = [
        "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Chicago",
        "America/New_York", "America/Halifax", "America/Sao_Paulo", "Atlantic/South_Georgia", "Atlantic/Azores",
        "Europe/London", "Europe/Berlin", "Europe/Athens", "Europe/Moscow", "Asia/Dubai", "Asia/Karachi",
        "Asia/Dhaka", "Asia/Bangkok", "Asia/Shanghai", "Asia/Tokyo", "Australia/Brisbane", "Pacific/Noumea",
        "Pacific/Auckland", "Pacific/Kiritimati",
    ]

    /// Zones whose local time stays inside 08:10–19:50 from `now` for `span` seconds (inside even
    /// Florida's window, with margin).
    public static func open(at now: Date, for span: TimeInterval) -> [String] {
        candidates.filter { name in
            samples(from: now, span: span).allSatisfy {
                minuteOfDay($0, zone: name).map { (490...1_190).contains($0) } ?? false
            }
        }
    }

    /// Zones whose local time stays outside 07:50–21:10 from `now` for `span` seconds.
    public static func closed(at now: Date, for span: TimeInterval) -> [String] {
        candidates.filter { name in
            samples(from: now, span: span).allSatisfy { minute in
                minuteOfDay(minute, zone: name).map { $0 < 470 || $0 >= 1_270 } ?? false
            }
        }
    }

    /// Whether `date` is inside the legal window of a recipient in `zone` (and US `state`, if any):
    /// 08:00–21:00 local, 08:00–20:00 in Florida and Oklahoma. An unknown zone is never inside.
    public static func isInsideWindow(_ date: Date, zone: String, state: String?) -> Bool {
        guard let minute = minuteOfDay(date, zone: zone) else { return false }
        let strict = ["FL", "OK"].contains(state?.uppercased() ?? "")
        return minute >= 480 && minute < (strict ? 1_200 : 1_260)
    }

    /// Minutes since local midnight of `date` in `zone`.
    static func minuteOfDay(_ date: Date, zone: String) -> Int? {
        guard let timeZone = TimeZone(identifier: zone) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        guard let hour = parts.hour, let minute = parts.minute else { return nil }
        return hour * 60 + minute
    }

    /// `now` and every five minutes up to `now + span`, inclusive.
    private static func samples(from now: Date, span: TimeInterval) -> [Date] {
        Array(stride(from: 0, to: span, by: 300).map { now.addingTimeInterval($0) }) + [now.addingTimeInterval(span)]
    }
}
