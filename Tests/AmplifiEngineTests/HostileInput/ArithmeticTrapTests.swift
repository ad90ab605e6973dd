import AmplifiEngine
import Testing

/// Rates, waits and leases at the edges of their types give the nearest sane value, never a trap.
@Suite("Hostile input: no arithmetic trap")
struct ArithmeticTrapTests {
    @Test(arguments: [1e-300, 1e-10, 0, -1, .nan, .infinity, 1e300])
    func aPacingScheduleAcceptsAnyRate(_ rate: Double) {
        var schedule = PacingSchedule(rate: rate)
        #expect(schedule.interval >= .zero)
        _ = schedule.reserve(at: .zero)
    }

    @Test func aNaNBackfillRateIsTheDefault() {
        #expect(StatusBackfillConfiguration(rate: .nan).rate == 10)
        #expect(StatusBackfillConfiguration(rate: 1e-10).rate == 0.001)
    }

    @Test func reservationsAndBackOffsSaturate() {
        let reservation = RateReservation(
            segments: Int.max, baseMicroseconds: Int.max, intervalMicroseconds: 1e300, serverTimeMicroseconds: Int.max)
        #expect(reservation.delay == .microseconds(Int64.max))
        #expect(reservation.serverTimeMicroseconds(throughSegment: Int.max) == Int.max)
        let nan = RateReservation(
            segments: 1, baseMicroseconds: 0, intervalMicroseconds: .nan, serverTimeMicroseconds: 0)
        #expect(nan.delay == .zero)
        #expect(
            RateBackOff(serverTimeMicroseconds: Int.min, pauseEndMicroseconds: Int.max).pausedFor
                == .microseconds(Int64.max))
        #expect(RateBackOff(serverTimeMicroseconds: Int.max, pauseEndMicroseconds: Int.min).pausedFor == .zero)
    }
}
