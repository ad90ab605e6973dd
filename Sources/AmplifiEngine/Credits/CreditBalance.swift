import AmplifiMessaging

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

extension CreditBalance {
    /// Checks, before anything is written, that an organization with `balance` credits and
    /// billing `billingActive` can pay `cost` for `what` ("the reply"); throws
    /// `INSUFFICIENT_CREDITS` saying what to do. (The ledger's own check still decides at charge
    /// time: this spares a request that cannot be paid for its writes.)
    static func requireAffordable(balance: Int64, billingActive: Bool, cost: Int, what: String) throws(EngineError) {
        guard billingActive else {
            throw EngineError(
                .insufficientCredits, "billing is switched off for this organization; switch it on before sending")
        }
        guard balance >= cost else {
            throw EngineError(
                .insufficientCredits,
                "\(what) costs \(cost) credits and the organization has \(balance); add credits first")
        }
    }
}
