import AmplifiCarriers
import AmplifiMessaging
import Foundation
import Testing

@testable import AmplifiEngine

/// The pure parts of "claim only what can go now": claim sizes, the batch's send slots and what a
/// claim writes for rows without a result.
@Suite("Claim sizing, pacing slots and put-back")
struct ClaimPacingTests {
    @Test func claimTakesWhatTheNumberSendsWithinTheHorizonIndependentOfBatchSize() {
        let configuration = ChunkSenderConfiguration(workerID: "w", batchSize: 100, claimHorizon: .seconds(1))
        #expect(configuration.claimLimit(ratePerSecond: 1, segmentsPerMessage: 1) == 1)
        #expect(configuration.claimLimit(ratePerSecond: 0.2, segmentsPerMessage: 1) == 1)
        #expect(configuration.claimLimit(ratePerSecond: 5, segmentsPerMessage: 1) == 5)
        #expect(configuration.claimLimit(ratePerSecond: 5, segmentsPerMessage: 2) == 2)
        #expect(configuration.claimLimit(ratePerSecond: 100_000, segmentsPerMessage: 1) == 100)
        #expect(configuration.claimLimit(ratePerSecond: .infinity, segmentsPerMessage: .nan) == 100)
        // The bound a claim is held for does not depend on the number's rate.
        let bound = configuration.claimHoldBound(carrierTimeout: .seconds(15))
        #expect(bound * 4 <= StaleClaimSweeper.defaultLease)
    }

    @Test func messagesLeaveAtTheirSegmentsSlotsAndTheTopUpContinuesTheSchedule() {
        // 1 segment per second, no spare burst: segment j conforms j seconds from now.
        let reservation = RateReservation(
            segments: 3, baseMicroseconds: 0, intervalMicroseconds: 1_000_000, serverTimeMicroseconds: 1)
        let topUp = RateReservation(
            segments: 2, baseMicroseconds: 2_000_000, intervalMicroseconds: 1_000_000, serverTimeMicroseconds: 1)
        let schedule = BatchSchedule(segments: [1, 2, 2], reservation: reservation, topUp: topUp)
        #expect(schedule.slots.map(\.reservation) == [0, 0, 1])
        #expect(schedule.slots.map(\.offset) == [.seconds(1), .seconds(3), .seconds(4)])
        #expect(BatchSchedule.shortfall(segments: [1, 2, 2], reserved: 3) == 2)
        #expect(BatchSchedule.shortfall(segments: [1, 0], reserved: 3) == 0)
        // Spare burst: the first messages may go at once.
        let burst = RateReservation(
            segments: 4, baseMicroseconds: -2_000_000, intervalMicroseconds: 1_000_000, serverTimeMicroseconds: 1)
        #expect(
            BatchSchedule(segments: [1, 1, 1, 1], reservation: burst).slots.map(\.offset)
                == [.zero, .zero, .seconds(1), .seconds(2)])
    }

    @Test func rowsWithoutAResultGoBackRefundedAndHandedRowsWithoutAnAnswerAreUnknown() {
        let claim = UUID()
        let rows = (1...4).map { id in
            ClaimedMessage(
                id: Int64(id), contactID: UUID(), phone: "+1303555000\(id)", variant: nil, attempt: 1,
                values: MergeValues(phone: "+1303555000\(id)"), timeZone: nil, optedOut: false, isTextable: true,
                deleted: false)
        }
        var ledger = ClaimLedger(claimID: claim, rows: rows)
        for row in rows { ledger.charged(row.id, credits: 2) }
        ledger.handed(1)
        ledger.handed(2)
        ledger.set(RecordedMessage(id: 1, contactID: rows[0].contactID, claimID: claim, status: .sent, credits: 2))
        ledger.skip(3, reason: .optedOut)
        let written = Dictionary(uniqueKeysWithValues: ledger.records().map { ($0.id, $0) })
        #expect(written.count == 4)
        #expect(written[1]?.status == .sent && written[1]?.refund == 0)
        #expect(written[2]?.status == .unknown && written[2]?.refund == 0)
        #expect(written[3]?.status == .skipped && written[3]?.refund == 2 && written[3]?.credits == 0)
        #expect(written[4]?.status == .pending && written[4]?.refund == 2 && written[4]?.attemptDelta == -1)
        #expect(ledger.records().allSatisfy { $0.claimID == claim })
    }
}
