import AmplifiCarrierSimulator
import AmplifiChaos
import Foundation
import Testing

/// The verdict flags each kind of broken guarantee, and only that kind.
@Suite("Chaos verdict")
struct ChaosVerdictTests {
    static let campaign = UUID()
    static let contacts = (0..<4).map { _ in UUID() }
    // 2026-12-01 15:00 UTC: 10:00 in New York.
    static let morning = Date(timeIntervalSince1970: 1_796_083_200 + 15 * 3_600)

    static let org = UUID()

    /// The callback URL of row `id`: today's `…/<org id>/<id>` for even ids, the pre-011 `…/<id>` for
    /// odd ones (a run across the upgrade holds both), so the tracing is tested on both shapes.
    static func callback(_ id: Int64) -> String {
        id % 2 == 0
            ? "http://127.0.0.1:1/twilio/status/\(org.uuidString.lowercased())/\(id)"
            : "http://127.0.0.1:1/twilio/status/\(id)"
    }

    /// Four recipients in New York, each texted once at 10:00, books and counters in order.
    static func healthy() -> ChaosEvidence {
        let rows = (0..<4).map { index in
            ChaosEvidence.Row(
                id: Int64(index + 1), campaignID: campaign, contactID: contacts[index], status: "delivered", credits: 1,
                deferUntil: nil, errorCode: nil)
        }
        let log = (0..<4).map { index in
            CarrierSimulatorLogEntry(
                sid: "SM\(index)", to: "+1919555000\(index)", from: "+19195550100", body: "hi", segments: 1,
                statusCallback: callback(Int64(index + 1)),
                receivedAt: morning.addingTimeInterval(Double(index) * 0.5),
                createdAt: morning.addingTimeInterval(Double(index) * 0.5 + 0.2))
        }
        return ChaosEvidence(
            carrierLog: log, rows: rows,
            contacts: (0..<4).map { index in
                ChaosEvidence.Contact(
                    id: contacts[index], phone: "+1919555000\(index)", timezone: "America/New_York", state: "NC",
                    optedOutAt: nil, notTextableAtStart: false)
            },
            campaigns: [
                ChaosEvidence.Campaign(
                    id: campaign, name: "c", status: "completed", audience: 4, sent: 4, delivered: 4, undelivered: 0,
                    failed: 0, skipped: 0, creditsUsed: 4, ledgerNet: 4)
            ],
            books: [ChaosEvidence.Books(name: "org", balance: 96, ledgerSum: 96, lowestRunningBalance: 96)],
            budgets: [ChaosEvidence.Budget(number: "+19195550100", messagesPerSecond: 1, burstSeconds: 1)],
            readAt: morning.addingTimeInterval(60), optOutGrace: 1)
    }

    /// The names of the invariants that do not hold.
    static func broken(_ evidence: ChaosEvidence) -> [String] {
        ChaosVerdict.judge(evidence).filter { !$0.holds }.map(\.name)
    }

    @Test func healthyEvidenceHoldsEverywhere() {
        #expect(Self.broken(Self.healthy()).isEmpty)
    }

    @Test func aSecondTextToTheSameRecipientIsCaught() {
        var evidence = Self.healthy()
        var again = evidence.carrierLog[0]
        again.sid = "SM9"
        again.receivedAt = again.receivedAt.addingTimeInterval(5)
        evidence.carrierLog.append(again)
        #expect(Self.broken(evidence) == ["recipients texted twice"])
    }

    @Test func openRowsLostRowsAndAudienceGapsAreCaught() {
        var open = Self.healthy()
        open.rows[0].status = "unknown"
        open.campaigns[0].sent = 3
        open.campaigns[0].delivered = 3
        #expect(Self.broken(open) == ["eligible recipients never texted, rows left pending/sending/unknown"])
        var lost = Self.healthy()
        lost.carrierLog.removeLast()
        #expect(Self.broken(lost).contains("eligible recipients never texted, rows left pending/sending/unknown"))
        var gap = Self.healthy()
        gap.campaigns[0].audience = 5
        #expect(Self.broken(gap) == ["eligible recipients never texted, rows left pending/sending/unknown"])
        var overdue = Self.healthy()
        overdue.rows[0].status = "deferred"
        overdue.rows[0].deferUntil = Self.morning.addingTimeInterval(-3_600)
        overdue.carrierLog.removeFirst()
        overdue.campaigns[0].sent = 3
        overdue.campaigns[0].delivered = 3
        #expect(Self.broken(overdue) == ["eligible recipients never texted, rows left pending/sending/unknown"])
    }

    @Test func aTextAfterTheOptOutPastTheGraceIsCaughtAndOneInFlightIsNot() {
        var inFlight = Self.healthy()
        inFlight.contacts[1].optedOutAt = inFlight.carrierLog[1].receivedAt.addingTimeInterval(-0.4)
        #expect(Self.broken(inFlight).isEmpty)
        var late = Self.healthy()
        late.contacts[1].optedOutAt = late.carrierLog[1].receivedAt.addingTimeInterval(-5)
        #expect(Self.broken(late) == ["opted-out or non-textable recipients texted after the opt-out was stored"])
        var notTextable = Self.healthy()
        notTextable.contacts[2].notTextableAtStart = true
        #expect(
            Self.broken(notTextable) == ["opted-out or non-textable recipients texted after the opt-out was stored"])
    }

    @Test func aTextInQuietHoursIsCaught() {
        var evidence = Self.healthy()
        evidence.contacts[3].timezone = "Asia/Tokyo"  // 00:00 there
        #expect(Self.broken(evidence) == ["messages sent outside the recipient's 08:00-21:00 (FL/OK 20:00)"])
    }

    @Test func unbalancedBooksAndWrongCountersAreCaught() {
        var books = Self.healthy()
        books.books[0].ledgerSum = 95
        #expect(
            Self.broken(books) == ["Σ ledger = balance, −Σ campaign debits+refunds = Σ row credits, balance never < 0"])
        var negative = Self.healthy()
        negative.books[0].lowestRunningBalance = -1
        #expect(Self.broken(negative).count == 1)
        var credits = Self.healthy()
        credits.rows[0].credits = 0
        #expect(Self.broken(credits).count == 1)
        var counters = Self.healthy()
        counters.campaigns[0].delivered = 5
        #expect(Self.broken(counters) == ["counters (sent, delivered, undelivered, failed, skipped) = counts of rows"])
    }

    @Test func aBurstOverTheBudgetIsCaught() {
        var evidence = Self.healthy()
        // Three messages inside one second on a 1 msg/s number with one second of burst (bound 2).
        evidence.carrierLog[2].receivedAt = evidence.carrierLog[1].receivedAt.addingTimeInterval(0.1)
        #expect(Self.broken(evidence) == ["max messages in any second per sender number vs its budget + burst"])
    }

    @Test func theSlidingSecondCountsTheDensestWindow() {
        #expect(ChaosVerdict.maxInAnySecond([]) == 0)
        #expect(ChaosVerdict.maxInAnySecond([0, 0.5, 0.99, 1.0, 1.5]) == 3)
        #expect(ChaosVerdict.maxInAnySecond([0, 2, 4]) == 1)
    }
}
