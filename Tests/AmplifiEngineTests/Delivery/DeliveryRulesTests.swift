import AmplifiCarriers
import AmplifiEngine
import Foundation
import Testing

/// The pure rules behind status application and backfill: no database, no clock.
@Suite struct DeliveryRulesTests {
    @Test func carrierStatusesMapToRowStates() {
        let expected: [DeliveryStatus: MessageDeliveryState?] = [
            .accepted: .sent, .scheduled: .sent, .queued: .sent, .sending: .sent, .sent: .sent,
            .partiallyDelivered: .sent, .delivered: .delivered, .read: .delivered, .undelivered: .undelivered,
            .failed: .failed, .canceled: .failed, .receiving: nil, .received: nil,
        ]
        for status in DeliveryStatus.allCases {
            #expect(MessageDeliveryState(carrierStatus: status) == expected[status] ?? nil, "\(status)")
        }
    }

    @Test func rowStatesOnlyMoveForwardAndFinalsNeverMove() {
        #expect(MessageDeliveryState.unknown.isAdvanced(by: .sent))
        #expect(MessageDeliveryState.unknown.isAdvanced(by: .failed))
        #expect(MessageDeliveryState.sent.isAdvanced(by: .delivered))
        #expect(!MessageDeliveryState.sent.isAdvanced(by: .sent))
        for final in [MessageDeliveryState.failed, .undelivered, .delivered] {
            #expect(final.isFinal)
            for target in MessageDeliveryState.allCases { #expect(!final.isAdvanced(by: target)) }
        }
        #expect(MessageDeliveryState.allCases.filter(\.countsAsSent) == [.sent, .undelivered, .delivered])
    }

    @Test func durationsParse() {
        #expect(DurationText.parse("90s") == .seconds(90))
        #expect(DurationText.parse("15m") == .seconds(900))
        #expect(DurationText.parse("1h") == .seconds(3_600))
        #expect(DurationText.parse("1h30m") == .seconds(5_400))
        #expect(DurationText.parse("2d") == .seconds(172_800))
        #expect(DurationText.parse("0s") == .zero)
        for bad in ["", "15", "m", "1x", "-5m", "1.5h", "15 m", "1h30", "99999999999999999999s"] {
            #expect(DurationText.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func pacingSpacesStartsEvenlyWithoutBurstCredit() {
        var schedule = PacingSchedule(rate: 4)  // one start every 250 ms
        #expect(schedule.interval == .milliseconds(250))
        // Five callers at t=0: 0, 250, 500, 750, 1000 ms.
        let starts = (0..<5).map { _ in schedule.reserve(at: .zero) }
        #expect(starts == [0, 250, 500, 750, 1_000].map { Duration.milliseconds($0) })
        // A caller at 2 s (idle since 1.25 s) starts at once; no burst builds up while idle.
        #expect(schedule.reserve(at: .seconds(2)) == .seconds(2))
        #expect(schedule.reserve(at: .seconds(2)) == .milliseconds(2_250))
        // Over any run, starts never exceed rate × elapsed + 1.
        var paced = PacingSchedule(rate: 50)
        var last = Duration.zero
        for index in 0..<200 {
            let start = paced.reserve(at: .milliseconds(index))
            #expect(start >= last)
            last = start
        }
        #expect(last >= .milliseconds(199 * 20))
    }

    @Test func theLimiterPacesRealCallersLoosely() async throws {
        let limiter = PacingLimiter(rate: 100)  // 10 ms apart
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<6 { try await limiter.acquire() }
        // Six starts need at least five intervals; no upper bound (slow shared machines).
        #expect(clock.now - start >= .milliseconds(50))
    }

    @Test func listMatchingTakesExactlyOneMessageFromTheSenderInTheWindow() {
        let claimed = Date(timeIntervalSince1970: 1_781_539_200)
        func message(_ sid: String, from: String?, at offset: TimeInterval?) -> CarrierMessage {
            CarrierMessage(
                report: CarrierStatusReport(providerMessageID: sid, status: .delivered), to: "+13035550100",
                from: from, dateCreated: offset.map { claimed.addingTimeInterval($0) })
        }
        let sender = "+12025550100"
        let ours = message("SMours", from: sender, at: 5)
        let noise = [
            message("SMother-sender", from: "+12025550999", at: 5), message("SMtoo-early", from: sender, at: -61),
            message("SMtoo-late", from: sender, at: 15 * 60 + 1), message("SMno-date", from: sender, at: nil),
        ]
        guard case .single(let found) = BackfillListMatch.pick(noise + [ours], from: sender, claimedAt: claimed) else {
            Issue.record("expected one match")
            return
        }
        #expect(found == ours)
        guard case .noCandidate = BackfillListMatch.pick(noise, from: sender, claimedAt: claimed) else {
            Issue.record("expected none")
            return
        }
        let twin = message("SMtwin", from: sender, at: -30)
        guard case .several = BackfillListMatch.pick([ours, twin], from: sender, claimedAt: claimed) else {
            Issue.record("expected several")
            return
        }
    }
}
