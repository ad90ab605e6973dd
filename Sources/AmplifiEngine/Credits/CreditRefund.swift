/// What ``CreditMeter/refund(orgID:campaignID:batchID:messages:)`` gave back.
public struct CreditRefund: Sendable, Equatable {
    /// Messages refunded by this call (those refunded before are not counted again).
    public var messagesRefunded: Int
    /// Credits given back by this call.
    public var credits: Int64
    /// The organization's balance after the last refund row; nil when nothing was refunded.
    public var balanceAfter: Int64?

    /// A refund result.
    public init(messagesRefunded: Int, credits: Int64, balanceAfter: Int64?) {
        self.messagesRefunded = messagesRefunded
        self.credits = credits
        self.balanceAfter = balanceAfter
    }
}
