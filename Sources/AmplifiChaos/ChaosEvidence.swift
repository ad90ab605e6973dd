public import AmplifiCarrierSimulator
public import Foundation

/// Everything a chaos run is judged on, read after the run: the carrier's own log of created
/// messages, and the database's rows, contacts, campaigns, books and sender budgets.
public struct ChaosEvidence: Sendable {
    /// One `campaign_messages` row.
    public struct Row: Sendable, Hashable {
        public var id: Int64
        public var campaignID: UUID
        public var contactID: UUID?
        public var status: String
        public var credits: Int
        public var deferUntil: Date?
        public var errorCode: String?

        public init(
            id: Int64, campaignID: UUID, contactID: UUID?, status: String, credits: Int, deferUntil: Date?,
            errorCode: String?
        ) {
            self.id = id
            self.campaignID = campaignID
            self.contactID = contactID
            self.status = status
            self.credits = credits
            self.deferUntil = deferUntil
            self.errorCode = errorCode
        }
    }

    /// One contact, with what the run set up about it.
    public struct Contact: Sendable, Hashable {
        public var id: UUID
        public var phone: String
        public var timezone: String
        public var state: String?
        /// When the opt-out was stored (at import, or by a STOP during the run).
        public var optedOutAt: Date?
        /// Imported as not textable: must never be texted.
        public var notTextableAtStart: Bool

        public init(
            id: UUID, phone: String, timezone: String, state: String?, optedOutAt: Date?, notTextableAtStart: Bool
        ) {
            self.id = id
            self.phone = phone
            self.timezone = timezone
            self.state = state
            self.optedOutAt = optedOutAt
            self.notTextableAtStart = notTextableAtStart
        }
    }

    /// One campaign's counters and books.
    public struct Campaign: Sendable, Hashable {
        public var id: UUID
        public var name: String
        public var status: String
        /// Contacts its audience names (every one must have a row).
        public var audience: Int
        public var sent: Int
        public var delivered: Int
        public var undelivered: Int
        public var failed: Int
        public var skipped: Int
        public var creditsUsed: Int64
        /// −Σ of its debit and refund ledger rows.
        public var ledgerNet: Int64

        public init(
            id: UUID, name: String, status: String, audience: Int, sent: Int, delivered: Int, undelivered: Int,
            failed: Int, skipped: Int, creditsUsed: Int64, ledgerNet: Int64
        ) {
            self.id = id
            self.name = name
            self.status = status
            self.audience = audience
            self.sent = sent
            self.delivered = delivered
            self.undelivered = undelivered
            self.failed = failed
            self.skipped = skipped
            self.creditsUsed = creditsUsed
            self.ledgerNet = ledgerNet
        }
    }

    /// One organization's books.
    public struct Books: Sendable, Hashable {
        public var name: String
        public var balance: Int64
        public var ledgerSum: Int64
        /// The lowest balance the ledger ever passed through, replayed in id order.
        public var lowestRunningBalance: Int64

        public init(name: String, balance: Int64, ledgerSum: Int64, lowestRunningBalance: Int64) {
            self.name = name
            self.balance = balance
            self.ledgerSum = ledgerSum
            self.lowestRunningBalance = lowestRunningBalance
        }
    }

    /// A sender number's budget: its rate and the burst the workers allow on top.
    public struct Budget: Sendable, Hashable {
        public var number: String
        public var messagesPerSecond: Double
        public var burstSeconds: Double

        public init(number: String, messagesPerSecond: Double, burstSeconds: Double) {
            self.number = number
            self.messagesPerSecond = messagesPerSecond
            self.burstSeconds = burstSeconds
        }

        /// The most messages any one-second window may hold.
        public var perSecondBound: Int { Int((messagesPerSecond * (1 + burstSeconds)).rounded(.up)) }
    }

    public var carrierLog: [CarrierSimulatorLogEntry]
    public var rows: [Row]
    public var contacts: [Contact]
    public var campaigns: [Campaign]
    public var books: [Books]
    public var budgets: [Budget]
    /// When the evidence was read (deferred rows due before it are overdue).
    public var readAt: Date
    /// How long after an opt-out is stored a message may still reach the carrier: one that had
    /// already been handed over, or was checked just before (the send-time re-check interval).
    public var optOutGrace: TimeInterval

    public init(
        carrierLog: [CarrierSimulatorLogEntry], rows: [Row], contacts: [Contact], campaigns: [Campaign],
        books: [Books], budgets: [Budget], readAt: Date, optOutGrace: TimeInterval
    ) {
        self.carrierLog = carrierLog
        self.rows = rows
        self.contacts = contacts
        self.campaigns = campaigns
        self.books = books
        self.budgets = budgets
        self.readAt = readAt
        self.optOutGrace = optOutGrace
    }
}
