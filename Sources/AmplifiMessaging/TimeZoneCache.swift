public import Foundation
import Synchronization

/// A lock-protected cache of Gregorian calendars by IANA timezone identifier (lookups run per message).
public final class TimeZoneCache: Sendable {
    /// The process-wide cache.
    public static let shared = TimeZoneCache()

    /// Identifiers cached at most; past that, lookups still work but are not stored.
    private let capacity: Int
    /// Calendar per identifier; nil records an unknown identifier.
    private let calendars = Mutex<[String: Calendar?]>([:])

    /// A cache holding at most `capacity` identifiers (known or unknown).
    public init(capacity: Int = 2048) {
        self.capacity = capacity
    }

    /// A Gregorian calendar set to the zone `identifier`, or nil when the zone is unknown.
    public func calendar(for identifier: String) -> Calendar? {
        if let cached = calendars.withLock({ $0[identifier] }) {
            return cached
        }
        let calendar = TimeZoneCache.makeCalendar(identifier)
        calendars.withLock { cache in
            if cache.count < capacity { cache[identifier] = .some(calendar) }
        }
        return calendar
    }

    /// The timezone `identifier`, or nil when unknown.
    public func timeZone(for identifier: String) -> TimeZone? {
        calendar(for: identifier)?.timeZone
    }

    /// Builds the calendar outside the lock (TimeZone lookups read the tz database).
    private static func makeCalendar(_ identifier: String) -> Calendar? {
        guard !identifier.isEmpty, let zone = TimeZone(identifier: identifier) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }
}
