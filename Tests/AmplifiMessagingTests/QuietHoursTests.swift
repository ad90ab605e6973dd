import AmplifiMessaging
import Foundation
import Testing

/// The instant of a UTC wall-clock time.
private func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0, _ second: Int = 0) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return calendar.date(
        from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
}

@Suite("Quiet hours")
struct QuietHoursTests {
    let newYork = try! QuietHoursWindow(timeZoneIdentifier: "America/New_York")

    @Test("Default window 08:00–21:00 local, start inclusive, end exclusive")
    func defaultWindow() {
        // July: EDT, UTC-4.
        #expect(!newYork.isOpen(at: utc(2026, 7, 1, 11, 59, 59)))  // 07:59:59
        #expect(newYork.isOpen(at: utc(2026, 7, 1, 12)))  // 08:00
        #expect(newYork.isOpen(at: utc(2026, 7, 2, 0, 59, 59)))  // 20:59:59
        #expect(!newYork.isOpen(at: utc(2026, 7, 2, 1)))  // 21:00
        #expect(newYork.nextOpening(after: utc(2026, 7, 1, 11)) == utc(2026, 7, 1, 12))
        #expect(newYork.nextOpening(after: utc(2026, 7, 2, 1)) == utc(2026, 7, 2, 12))
        #expect(newYork.nextOpening(after: utc(2026, 7, 1, 15)) == utc(2026, 7, 1, 15))  // already open
    }

    @Test("New York spring-forward day (2026-03-08)")
    func springForward() {
        // 21:30 EST on the 7th: the next opening is 08:00 EDT (UTC-4), 9.5 hours later, not 10.5.
        #expect(newYork.nextOpening(after: utc(2026, 3, 8, 2, 30)) == utc(2026, 3, 8, 12))
        // 01:59:59 EST and 03:30 EDT on the day itself: still closed, same opening.
        #expect(newYork.nextOpening(after: utc(2026, 3, 8, 6, 59, 59)) == utc(2026, 3, 8, 12))
        #expect(newYork.nextOpening(after: utc(2026, 3, 8, 7, 30)) == utc(2026, 3, 8, 12))
        #expect(!newYork.isOpen(at: utc(2026, 3, 8, 11, 59)))  // 07:59 EDT
        #expect(newYork.isOpen(at: utc(2026, 3, 8, 12)))  // 08:00 EDT
        // Closes at 21:00 EDT = 01:00Z on the 9th.
        #expect(
            newYork.decision(at: utc(2026, 3, 8, 22)) == .open(closesAt: utc(2026, 3, 9, 1), validityPeriod: 3 * 3600))
        #expect(!newYork.isOpen(at: utc(2026, 3, 9, 1)))
    }

    @Test("New York fall-back day (2026-11-01)")
    func fallBack() {
        // 21:30 EDT on Oct 31: the next opening is 08:00 EST (UTC-5), 11.5 hours later.
        #expect(newYork.nextOpening(after: utc(2026, 11, 1, 1, 30)) == utc(2026, 11, 1, 13))
        // 01:30 happens twice that night (05:30Z and 06:30Z): closed both times.
        #expect(!newYork.isOpen(at: utc(2026, 11, 1, 5, 30)))
        #expect(!newYork.isOpen(at: utc(2026, 11, 1, 6, 30)))
        #expect(newYork.nextOpening(after: utc(2026, 11, 1, 6, 30)) == utc(2026, 11, 1, 13))
        #expect(!newYork.isOpen(at: utc(2026, 11, 1, 12, 59)))  // 07:59 EST
        #expect(newYork.isOpen(at: utc(2026, 11, 1, 13)))
        // 20:00 EST = 01:00Z on the 2nd: one hour left.
        #expect(newYork.validityPeriod(at: utc(2026, 11, 2, 1)) == 3600)
    }

    @Test("Asia/Kolkata (UTC+5:30)")
    func kolkata() throws {
        let kolkata = try QuietHoursWindow(timeZoneIdentifier: "Asia/Kolkata")
        #expect(!kolkata.isOpen(at: utc(2026, 6, 1, 2, 29)))  // 07:59
        #expect(kolkata.isOpen(at: utc(2026, 6, 1, 2, 30)))  // 08:00
        #expect(kolkata.nextOpening(after: utc(2026, 6, 1, 2, 29)) == utc(2026, 6, 1, 2, 30))
        #expect(kolkata.validityPeriod(at: utc(2026, 6, 1, 15, 29, 59)) == 1)  // 20:59:59
        #expect(kolkata.decision(at: utc(2026, 6, 1, 15, 30)) == .closed(opensAt: utc(2026, 6, 2, 2, 30)))
    }

    @Test("Australia/Lord_Howe (half-hour DST shift)")
    func lordHowe() throws {
        let lordHowe = try QuietHoursWindow(timeZoneIdentifier: "Australia/Lord_Howe")
        // DST starts 2026-10-04 02:00 (+10:30 → +11). 21:00 local on the 3rd = 10:30Z; opens 08:00 (+11) = 21:00Z.
        #expect(!lordHowe.isOpen(at: utc(2026, 10, 3, 10, 30)))
        #expect(lordHowe.nextOpening(after: utc(2026, 10, 3, 10, 30)) == utc(2026, 10, 3, 21))
        #expect(lordHowe.isOpen(at: utc(2026, 10, 3, 21)))
        #expect(!lordHowe.isOpen(at: utc(2026, 10, 3, 20, 59)))
        // DST ends 2026-04-05 02:00 (+11 → +10:30). 21:30 local on the 4th = 10:30Z; opens 08:00 (+10:30) = 21:30Z.
        #expect(lordHowe.nextOpening(after: utc(2026, 4, 4, 10, 30)) == utc(2026, 4, 4, 21, 30))
    }

    @Test("Year-end rollover")
    func yearEnd() {
        // 22:00 EST on Dec 31 → 08:00 EST on Jan 1.
        #expect(newYork.nextOpening(after: utc(2027, 1, 1, 3)) == utc(2027, 1, 1, 13))
    }

    @Test("Validity period: seconds left, capped at 36,000, at least 1")
    func validity() {
        // 08:00 EDT: 13 hours left → capped.
        #expect(newYork.validityPeriod(at: utc(2026, 7, 1, 12)) == 36_000)
        // 20:59:30 EDT: 30 seconds left.
        #expect(newYork.validityPeriod(at: utc(2026, 7, 2, 0, 59, 30)) == 30)
        // Half a second left rounds down, then is raised to the minimum of 1.
        #expect(newYork.validityPeriod(at: utc(2026, 7, 2, 0, 59, 59).addingTimeInterval(0.5)) == 1)
        #expect(newYork.validityPeriod(at: utc(2026, 7, 2, 2)) == nil)
    }

    @Test("Florida and Oklahoma close at 20:00; other states at 21:00")
    func stateWindows() throws {
        let florida = try QuietHoursWindow(timeZoneIdentifier: "America/New_York", state: "fl")
        let carolina = try QuietHoursWindow(timeZoneIdentifier: "America/New_York", state: "NC")
        let oklahoma = try QuietHoursWindow(timeZoneIdentifier: "America/Chicago", state: " OK ")
        let at2030EDT = utc(2026, 7, 2, 0, 30)
        #expect(!florida.isOpen(at: at2030EDT))
        #expect(carolina.isOpen(at: at2030EDT))
        #expect(florida.validityPeriod(at: utc(2026, 7, 1, 23)) == 3600)  // 19:00 EDT
        #expect(!oklahoma.isOpen(at: utc(2026, 7, 2, 1, 30)))  // 20:30 CDT
        #expect(oklahoma.isOpen(at: utc(2026, 7, 2, 0, 30)))  // 19:30 CDT
    }

    @Test("Organization window, intersected with state windows")
    func organizationWindow() throws {
        let nineToFive = try SendWindow(start: LocalTime(hour: 9)!, end: LocalTime(hour: 17)!)
        let policy = QuietHoursPolicy(organizationWindow: nineToFive)
        let window = try QuietHoursWindow(timeZoneIdentifier: "America/New_York", state: "FL", policy: policy)
        #expect(window.window == nineToFive)
        #expect(!window.isOpen(at: utc(2026, 7, 1, 12, 30)))  // 08:30
        #expect(window.isOpen(at: utc(2026, 7, 1, 13)))  // 09:00

        let late = try SendWindow(start: LocalTime(hour: 20, minute: 30)!, end: LocalTime(hour: 22)!)
        #expect(throws: QuietHoursError(.emptyWindow, detail: "FL")) {
            try QuietHoursWindow(
                timeZoneIdentifier: "America/New_York", state: "FL", policy: QuietHoursPolicy(organizationWindow: late))
        }
        #expect(throws: QuietHoursError.self) { try SendWindow(start: LocalTime(hour: 21)!, end: LocalTime(hour: 8)!) }
    }

    @Test("Unknown timezone is a typed error")
    func unknownTimezone() {
        do {
            _ = try QuietHoursWindow(timeZoneIdentifier: "Mars/Olympus_Mons")
            Issue.record("expected unknownTimezone")
        } catch {
            #expect(error.reason == .unknownTimezone)
            #expect(error.code == .unknownTimezone)
            #expect(error.message.contains("Mars/Olympus_Mons"))
        }
        #expect(throws: QuietHoursError.self) { try QuietHoursWindow(timeZoneIdentifier: "") }
    }

    @Test("Zone resolution: contact, then campaign, then organization")
    func resolution() throws {
        #expect(
            RecipientTimeZone.identifier(contact: "America/Denver", campaign: "America/Chicago", organization: "UTC")!
                == ("America/Denver", .contact))
        #expect(
            RecipientTimeZone.identifier(contact: nil, campaign: "America/Chicago", organization: "UTC")! == (
                "America/Chicago", .campaign
            ))
        #expect(
            RecipientTimeZone.identifier(contact: "  ", campaign: nil, organization: "UTC")! == ("UTC", .organization))
        #expect(RecipientTimeZone.identifier(contact: nil, campaign: nil, organization: nil) == nil)

        let window = try RecipientTimeZone.window(
            contact: nil, campaign: "Asia/Kolkata", organization: "America/New_York")
        #expect(window.timeZone.identifier == "Asia/Kolkata")
        do {
            _ = try RecipientTimeZone.window(contact: "Nowhere/Land", campaign: nil, organization: "UTC")
            Issue.record("expected unknownTimezone")
        } catch {
            #expect(error.field == "contact.timezone")
            #expect(error.code == .unknownTimezone)
        }
        #expect(throws: QuietHoursError(.missingTimezone, field: "timezone")) {
            try RecipientTimeZone.window(contact: nil, campaign: nil, organization: nil)
        }
    }

    @Test("Timezone cache returns the same zone and remembers unknown ones")
    func cache() {
        let cache = TimeZoneCache(capacity: 2)
        #expect(cache.timeZone(for: "Europe/Paris")?.identifier == "Europe/Paris")
        #expect(cache.timeZone(for: "Europe/Paris")?.identifier == "Europe/Paris")
        #expect(cache.timeZone(for: "Not/AZone") == nil)
        #expect(cache.timeZone(for: "Not/AZone") == nil)
        // Past capacity lookups still work.
        #expect(cache.timeZone(for: "Asia/Tokyo")?.identifier == "Asia/Tokyo")
    }

    @Test("LocalTime parsing")
    func localTime() {
        #expect(LocalTime(parsing: "08:00") == LocalTime.eightAM)
        #expect(LocalTime(parsing: "8:30") == LocalTime(hour: 8, minute: 30))
        #expect(LocalTime(parsing: "24:00") == nil)
        #expect(LocalTime(parsing: "8") == nil)
        #expect(LocalTime(parsing: "08:7") == nil)
        #expect(LocalTime.ninePM.description == "21:00")
    }
}
