/// An organization's stored balance next to the sum of its ledger, read in one snapshot.
public struct CreditBalance: Sendable, Equatable {
    /// `organizations.credit_balance`.
    public var balance: Int64
    /// `SUM(credit_ledger.amount)` for the organization.
    public var ledgerSum: Int64

    /// A balance reading.
    public init(balance: Int64, ledgerSum: Int64) {
        self.balance = balance
        self.ledgerSum = ledgerSum
    }

    /// Whether the balance equals the ledger's sum (the books are consistent).
    public var isConsistent: Bool { balance == ledgerSum }
}
