import AmplifiCarriers
import AmplifiMessaging
import Foundation
import Logging

/// The fate of every row of one claim, kept in memory until it is written in one statement: a row
/// with a result is written with it; a row without one (never handed to the carrier) goes back to
/// `pending` with its attempt given back and its charge refunded; a row handed to the carrier whose
/// answer never came is `unknown` (it may exist at the carrier).
struct ClaimLedger: Sendable {
    let claimID: UUID
    /// The claimed rows, in claim order.
    private let rows: [ClaimedMessage]
    private let contacts: [Int64: UUID]
    private var results: [Int64: RecordedMessage] = [:]
    private var charges: [Int64: Int] = [:]
    private var handedOver: Set<Int64> = []

    /// A ledger of the rows claimed under `claimID`.
    init(claimID: UUID, rows: [ClaimedMessage]) {
        self.claimID = claimID
        self.rows = rows
        self.contacts = Dictionary(rows.map { ($0.id, $0.contactID) }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether the row already has its result.
    func isSettled(_ id: Int64) -> Bool { results[id] != nil }

    /// The credits the claim charged for the row (0 when it was not charged).
    func charge(of id: Int64) -> Int { charges[id] ?? 0 }

    /// The row was charged `credits` by the claim's debit.
    mutating func charged(_ id: Int64, credits: Int) { charges[id] = credits }

    /// The row was handed to the carrier: from now on only the carrier's answer settles it.
    mutating func handed(_ id: Int64) { handedOver.insert(id) }

    /// The carrier wrapper answered that the row's request never started (no permit in time): it goes
    /// back to `pending` like a row never handed over (attempt given back, charge refunded).
    mutating func notSent(_ id: Int64) { handedOver.remove(id) }

    /// The row is not sent: the contact may not be texted now (its charge, if any, is refunded).
    mutating func skip(_ id: Int64, reason: SkipReason) {
        set(RecordedMessage(id: id, contactID: contact(id), claimID: claimID, status: .skipped, skipReason: reason))
    }

    /// The row failed before reaching the carrier (e.g. its template could not be rendered).
    mutating func fail(_ id: Int64, code: String) {
        set(RecordedMessage(id: id, contactID: contact(id), claimID: claimID, status: .failed, errorCode: code))
    }

    /// Quiet hours: the row waits until `opensAt`, its attempt given back.
    mutating func `defer`(_ id: Int64, until opensAt: Date) {
        set(
            RecordedMessage(
                id: id, contactID: contact(id), claimID: claimID, status: .deferred, deferUntil: opensAt,
                attemptDelta: -1))
    }

    /// Records `record` as the row's result; a charged row that was not sent gets its charge refunded.
    mutating func set(_ record: RecordedMessage) {
        var record = record
        if record.status == .skipped || record.status == .pending || record.status == .deferred
            || (record.status == .failed && !handedOver.contains(record.id))
        {
            record.refund = charge(of: record.id)
            if record.refund > 0 { record.credits = 0 }
        }
        results[record.id] = record
    }

    /// Every claimed row's write: its result, else `unknown` when it was handed to the carrier, else
    /// back to `pending` (attempt given back, charge refunded).
    func records() -> [RecordedMessage] {
        rows.map { row in
            if let result = results[row.id] { return result }
            if handedOver.contains(row.id) {
                return RecordedMessage(
                    id: row.id, contactID: row.contactID, claimID: claimID, status: .unknown,
                    errorCode: "no_answer", credits: charges[row.id])
            }
            let refund = charge(of: row.id)
            return RecordedMessage(
                id: row.id, contactID: row.contactID, claimID: claimID, status: .pending,
                credits: refund > 0 ? 0 : nil, attemptDelta: -1, refund: refund)
        }
    }

    private func contact(_ id: Int64) -> UUID {
        contacts[id] ?? UUID()
    }
}

/// The carrier's answers for one claim, classified (the carrier error table): each row's write,
/// and what the claim means for the sender number (backoff) and the campaign (pause).
struct BatchVerdict: Sendable {
    var backOff: Duration?
    var carrierPause: String?
    var sent = 0
    var failed = 0
    var retried = 0
    var filtered = 0
    var unknown = 0
    var refunded = 0
    var handed = 0
    /// Carrier refusals by (error class, code), for the metrics.
    var errors: [ErrorKey: Int] = [:]

    /// A carrier error's class and code.
    struct ErrorKey: Hashable {
        var errorClass: String
        var code: String
    }

    /// Classifies `result` for `row` and records the row's write in `ledger`.
    mutating func apply(
        _ result: SendResult, to row: ChunkSender.Prepared, ledger: inout ClaimLedger,
        configuration: ChunkSenderConfiguration
    ) {
        handed += 1
        var record = RecordedMessage(
            id: row.claim.id, contactID: row.claim.contactID, claimID: ledger.claimID, status: .sent,
            body: row.plan.text, encoding: row.plan.encoding,
            segments: row.plan.segmentCount > 0 ? row.plan.segmentCount : nil, credits: row.plan.credits)
        switch result {
        case .accepted(let providerID, _, _, _):
            record.providerMessageID = providerID
            sent += 1
            ledger.set(record)
            return
        case .failed(let error):
            record.errorCode = error.code
            errors[ErrorKey(errorClass: error.errorClass.rawValue, code: error.code), default: 0] += 1
            switch error.disposition {
            case .notSent:
                // Back to pending with its attempt and its charge; the number backs off (the account is busy).
                ledger.notSent(row.claim.id)
                retried += 1
                backOff = max(backOff ?? .zero, configuration.defaultBackOff)
                return
            case .retryBatchLater(let retryAfter):
                record.status = row.claim.attempt >= configuration.maxAttempts ? .failed : .pending
                let wait = min(retryAfter ?? configuration.defaultBackOff, Self.maximumBackOff)
                backOff = max(backOff ?? .zero, wait)
            case .retryRow(let maxAttempts):
                record.status = row.claim.attempt >= maxAttempts ? .failed : .pending
            case .failRow(let markNotTextable, let optOut):
                record.status = .failed
                record.contactAction = optOut ? .optOut : (markNotTextable ? .markNotTextable : nil)
            case .pauseCampaign(let reason):
                record.status = .pending
                carrierPause = carrierPause ?? reason
            case .contentFiltered:
                record.status = .failed
                filtered += 1
            case .settleLater:
                // The message may exist at the carrier: kept charged, settled by listing it.
                record.status = .unknown
                unknown += 1
                ledger.set(record)
                return
            }
            if record.status == .pending { retried += 1 } else { failed += 1 }
            if !error.isCharged, row.plan.credits > 0 {
                record.refund = ledger.charge(of: row.claim.id)
                record.credits = 0
                if record.refund > 0 { refunded += 1 }
            }
            ledger.set(record)
        }
    }

    /// The longest a sender number backs off after one claim, whatever the carrier asked.
    static let maximumBackOff: Duration = .seconds(600)

    /// The reason to pause the campaign with: a carrier setting, or too many content-filtered messages.
    func pauseReason(contentFilterPause: (rate: Double, minimumBatch: Int)?) -> String? {
        if let carrierPause { return carrierPause }
        if let threshold = contentFilterPause, handed >= threshold.minimumBatch, filtered > 0,
            Double(filtered) >= threshold.rate * Double(handed)
        {
            return CarrierErrorTable.contentFilterPauseReason
        }
        return nil
    }

    /// Counts for the batch's log line.
    var metadata: [String: Logger.MetadataValue] {
        [
            "handed": "\(handed)", "sent": "\(sent)", "failed": "\(failed)", "retried": "\(retried)",
            "unknown": "\(unknown)", "content_filtered": "\(filtered)", "refunded": "\(refunded)",
        ]
    }
}
