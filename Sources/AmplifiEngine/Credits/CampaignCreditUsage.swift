/// A campaign's `credits_used` counter next to what its ledger rows say it spent.
public struct CampaignCreditUsage: Sendable, Equatable {
    /// `campaigns.credits_used`.
    public var creditsUsed: Int64
    /// `-SUM(amount)` over the campaign's debit and refund ledger rows.
    public var ledgerNet: Int64

    /// A usage reading.
    public init(creditsUsed: Int64, ledgerNet: Int64) {
        self.creditsUsed = creditsUsed
        self.ledgerNet = ledgerNet
    }

    /// Whether the counter matches the ledger.
    public var isConsistent: Bool { creditsUsed == ledgerNet }
}
