import AmplifiChaos
import Foundation
import Testing

/// The zones picked as open stay inside the window, the closed ones outside, at any hour; the
/// independent window check knows Florida's and Oklahoma's 20:00.
@Suite("Chaos time zones")
struct ChaosTimeZonesTests {
    @Test func openAndClosedZonesHoldForTheSpanAtEveryHourOfTheDay() {
        let midnight = Date(timeIntervalSince1970: 1_796_083_200)  // 2026-12-01 00:00 UTC
        for hour in 0..<24 {
            let now = midnight.addingTimeInterval(Double(hour) * 3_600 + 1_234)
            let span: TimeInterval = 1_800
            let open = ChaosTimeZones.open(at: now, for: span)
            let closed = ChaosTimeZones.closed(at: now, for: span)
            #expect(open.count >= 8, "hour \(hour)")
            #expect(closed.count >= 6, "hour \(hour)")
            #expect(Set(open).isDisjoint(with: closed))
            for zone in open {
                for offset in stride(from: 0.0, through: span, by: 60) {
                    #expect(ChaosTimeZones.isInsideWindow(now.addingTimeInterval(offset), zone: zone, state: "FL"))
                }
            }
            for zone in closed {
                for offset in stride(from: 0.0, through: span, by: 60) {
                    #expect(!ChaosTimeZones.isInsideWindow(now.addingTimeInterval(offset), zone: zone, state: nil))
                }
            }
        }
    }

    @Test func floridaAndOklahomaCloseAtEight() {
        // 2026-12-02 01:30 UTC: 20:30 in New York.
        let evening = Date(timeIntervalSince1970: 1_796_083_200 + 3_600 * 25 + 1_800)
        #expect(ChaosTimeZones.isInsideWindow(evening, zone: "America/New_York", state: "NC"))
        #expect(!ChaosTimeZones.isInsideWindow(evening, zone: "America/New_York", state: "FL"))
        #expect(!ChaosTimeZones.isInsideWindow(evening, zone: "America/New_York", state: "ok"))
        #expect(!ChaosTimeZones.isInsideWindow(evening, zone: "Not/AZone", state: nil))
    }
}
