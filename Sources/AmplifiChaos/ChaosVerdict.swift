import AmplifiCarrierSimulator
import AmplifiEngine
import Foundation

/// Judges a chaos run's evidence: each recipient texted once, nothing lost or left open, opt-outs
/// and quiet hours honored, the books balanced, the counters true, the sender budgets kept. Pure:
/// the same evidence gives the same verdict.
public enum ChaosVerdict {
    /// The row statuses whose message the carrier accepted.
    static let textedStatuses: Set<String> = ["sent", "delivered", "undelivered"]
    /// Row statuses that are not final.
    static let openStatuses: Set<String> = ["pending", "sending", "unknown", "held"]

    /// Every invariant, in the report's order.
    public static func judge(_ evidence: ChaosEvidence) -> [ChaosInvariant] {
        let rowsByID = Dictionary(evidence.rows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let contactsByID = Dictionary(evidence.contacts.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        // Each carrier message, traced to its row through the status callback URL (…/<org id>/<row id>,
        // or …/<row id> before migration 011; row ids are unique across organizations).
        let traced: [(entry: CarrierSimulatorLogEntryView, row: ChaosEvidence.Row?)] = evidence.carrierLog.map {
            entry in
            let view = CarrierSimulatorLogEntryView(entry)
            return (view, view.rowID.flatMap { rowsByID[$0] })
        }
        return [
            textedTwice(traced),
            neverTextedOrOpen(evidence, traced: traced),
            untraced(traced),
            optOutsHonored(traced, contacts: contactsByID, grace: evidence.optOutGrace),
            quietHoursHonored(traced, contacts: contactsByID),
            booksBalanced(evidence),
            countersTrue(evidence),
            budgetsKept(evidence),
        ]
    }

    /// Two carrier messages for the same recipient in the same campaign.
    static func textedTwice(_ traced: [(entry: CarrierSimulatorLogEntryView, row: ChaosEvidence.Row?)])
        -> ChaosInvariant
    {
        var seen: [String: Int] = [:]
        for (entry, row) in traced {
            guard let row else { continue }
            seen["\(row.campaignID.uuidString.lowercased()) \(entry.to)", default: 0] += 1
        }
        let twice = seen.filter { $0.value > 1 }.keys.sorted()
        return .zero("recipients texted twice", twice)
    }

    /// Rows left open, deferred rows overdue, audience members without a row, and rows recorded as
    /// texted that the carrier never created.
    static func neverTextedOrOpen(
        _ evidence: ChaosEvidence, traced: [(entry: CarrierSimulatorLogEntryView, row: ChaosEvidence.Row?)]
    ) -> ChaosInvariant {
        let created = Set(traced.compactMap { $0.row?.id })
        var open: [String] = []
        var overdue: [String] = []
        var lost: [String] = []
        for row in evidence.rows {
            if openStatuses.contains(row.status) { open.append("row \(row.id) \(row.status)") }
            if row.status == "deferred", let until = row.deferUntil, until.addingTimeInterval(120) < evidence.readAt {
                overdue.append("row \(row.id) deferred until \(until)")
            }
            if textedStatuses.contains(row.status), !created.contains(row.id) {
                lost.append("row \(row.id) \(row.status) never created")
            }
        }
        let rowsPerCampaign = Dictionary(grouping: evidence.rows, by: \.campaignID).mapValues(\.count)
        var missing: [String] = []
        // A campaign canceled before it was planned has no rows, rightly.
        for campaign in evidence.campaigns
        where (rowsPerCampaign[campaign.id] ?? 0) != campaign.audience
            && !(campaign.status == "canceled" && rowsPerCampaign[campaign.id] == nil)
        {
            missing.append(
                "\(campaign.name): \(rowsPerCampaign[campaign.id] ?? 0) rows for \(campaign.audience) contacts")
        }
        let offenders = open + overdue + lost + missing
        return .zero(
            "eligible recipients never texted, rows left pending/sending/unknown", offenders,
            note:
                "open \(open.count), overdue deferred \(overdue.count), recorded but never created \(lost.count), audience gaps \(missing.count)"
        )
    }

    /// Carrier messages that name no row of a campaign (a send the engine cannot account for).
    static func untraced(_ traced: [(entry: CarrierSimulatorLogEntryView, row: ChaosEvidence.Row?)]) -> ChaosInvariant {
        .zero(
            "carrier messages no row accounts for",
            traced.filter { $0.row == nil }.map { "\($0.entry.sid) to \($0.entry.to)" })
    }

    /// Messages to recipients imported as not textable, or created at the carrier more than the grace
    /// after the recipient's opt-out was stored.
    static func optOutsHonored(
        _ traced: [(entry: CarrierSimulatorLogEntryView, row: ChaosEvidence.Row?)],
        contacts: [UUID: ChaosEvidence.Contact],
        grace: TimeInterval
    ) -> ChaosInvariant {
        var late: [String] = []
        var raced = 0
        for (entry, row) in traced {
            guard let contactID = row?.contactID, let contact = contacts[contactID] else { continue }
            if contact.notTextableAtStart { late.append("\(entry.sid) to non-textable \(entry.to)") }
            if let optedOut = contact.optedOutAt, entry.sentAt > optedOut {
                if entry.sentAt.timeIntervalSince(optedOut) > grace {
                    late.append(
                        "\(entry.sid) to \(entry.to) \(String(format: "%.3f", entry.sentAt.timeIntervalSince(optedOut))) s after the opt-out"
                    )
                } else {
                    raced += 1
                }
            }
        }
        return .zero(
            "opted-out or non-textable recipients texted after the opt-out was stored", late,
            note: "\(raced) already in flight within \(String(format: "%.1f", grace)) s of the STOP")
    }

    /// Messages created outside the recipient's legal window.
    static func quietHoursHonored(
        _ traced: [(entry: CarrierSimulatorLogEntryView, row: ChaosEvidence.Row?)],
        contacts: [UUID: ChaosEvidence.Contact]
    ) -> ChaosInvariant {
        var outside: [String] = []
        for (entry, row) in traced {
            guard let contactID = row?.contactID, let contact = contacts[contactID] else { continue }
            if !ChaosTimeZones.isInsideWindow(entry.sentAt, zone: contact.timezone, state: contact.state) {
                outside.append(
                    "\(entry.sid) to \(entry.to) (\(contact.timezone)\(contact.state.map { " " + $0 } ?? ""))")
            }
        }
        return .zero("messages sent outside the recipient's 08:00-21:00 (FL/OK 20:00)", outside)
    }

    /// Σ ledger = balance per organization, the balance never below zero, and per campaign
    /// credits used = −Σ its debits and refunds = Σ its rows' credits.
    static func booksBalanced(_ evidence: ChaosEvidence) -> ChaosInvariant {
        var broken: [String] = []
        for books in evidence.books {
            if books.balance != books.ledgerSum {
                broken.append("\(books.name): balance \(books.balance) ≠ ledger \(books.ledgerSum)")
            }
            if books.lowestRunningBalance < 0 {
                broken.append("\(books.name): balance fell to \(books.lowestRunningBalance)")
            }
        }
        let rowCredits = Dictionary(grouping: evidence.rows, by: \.campaignID).mapValues {
            $0.reduce(Int64(0)) { $0 + Int64($1.credits) }
        }
        for campaign in evidence.campaigns {
            let rows = rowCredits[campaign.id] ?? 0
            if campaign.creditsUsed != campaign.ledgerNet || campaign.ledgerNet != rows {
                broken.append(
                    "\(campaign.name): used \(campaign.creditsUsed), ledger \(campaign.ledgerNet), rows \(rows)")
            }
        }
        let balance = evidence.books.map {
            "\($0.name) \($0.balance) = ledger \($0.ledgerSum), lowest \($0.lowestRunningBalance)"
        }
        return ChaosInvariant(
            name: "Σ ledger = balance, −Σ campaign debits+refunds = Σ row credits, balance never < 0",
            figure: broken.isEmpty ? balance.joined(separator: "; ") : "\(broken.count) broken",
            bound: "must hold", holds: broken.isEmpty, offenders: broken)
    }

    /// Each campaign's counters equal the counts of its rows.
    static func countersTrue(_ evidence: ChaosEvidence) -> ChaosInvariant {
        let byCampaign = Dictionary(grouping: evidence.rows, by: \.campaignID)
        var broken: [String] = []
        for campaign in evidence.campaigns {
            let rows = byCampaign[campaign.id] ?? []
            func count(_ statuses: Set<String>) -> Int { rows.filter { statuses.contains($0.status) }.count }
            let expected: [(String, Int, Int)] = [
                ("sent", campaign.sent, count(textedStatuses)), ("delivered", campaign.delivered, count(["delivered"])),
                ("undelivered", campaign.undelivered, count(["undelivered"])),
                ("failed", campaign.failed, count(["failed"])),
                ("skipped", campaign.skipped, count(["skipped"])),
            ]
            for (name, counter, actual) in expected where counter != actual {
                broken.append("\(campaign.name): \(name) counter \(counter), rows \(actual)")
            }
        }
        return ChaosInvariant(
            name: "counters (sent, delivered, undelivered, failed, skipped) = counts of rows",
            figure: broken.isEmpty ? "\(evidence.campaigns.count) campaigns equal" : "\(broken.count) differ",
            bound: "must hold", holds: broken.isEmpty, offenders: broken)
    }

    /// The most messages any sliding one-second window held, per sender number, against its budget.
    static func budgetsKept(_ evidence: ChaosEvidence) -> ChaosInvariant {
        let byNumber = Dictionary(grouping: evidence.carrierLog, by: \.from)
        var figures: [String] = []
        var broken: [String] = []
        for budget in evidence.budgets.sorted(by: { $0.number < $1.number }) {
            let times = (byNumber[budget.number] ?? []).map(\.receivedAt.timeIntervalSince1970).sorted()
            let peak = maxInAnySecond(times)
            figures.append("\(budget.number) \(peak)/\(budget.perSecondBound)")
            if peak > budget.perSecondBound {
                broken.append("\(budget.number): \(peak) in one second, bound \(budget.perSecondBound)")
            }
        }
        return ChaosInvariant(
            name: "max messages in any second per sender number vs its budget + burst",
            figure: figures.joined(separator: ", "), bound: "≤ budget + burst", holds: broken.isEmpty, offenders: broken
        )
    }

    /// The most of ascending `times` (seconds) inside any half-open window of one second.
    public static func maxInAnySecond(_ times: [Double]) -> Int {
        var peak = 0
        var start = 0
        for end in times.indices {
            while times[end] - times[start] >= 1 { start += 1 }
            peak = max(peak, end - start + 1)
        }
        return peak
    }
}

/// A carrier log entry with the row id its status callback URL ends in (either shape,
/// ``StatusCallbackTarget``); `sentAt` is when its request reached the carrier (the simulated
/// processing time after it is the carrier's own).
struct CarrierSimulatorLogEntryView {
    let sid: String
    let to: String
    let sentAt: Date
    let rowID: Int64?

    init(_ entry: CarrierSimulatorLogEntry) {
        sid = entry.sid
        to = entry.to
        sentAt = entry.receivedAt
        rowID = entry.statusCallback.flatMap { StatusCallbackTarget(url: $0)?.messageID }
    }
}
