/// An automatic reply to an inbound message: why it was chosen and how far it got.
public struct AutoReplyOutcome: Sendable, Hashable {
    /// `reply_messages.id`.
    public var replyID: Int64
    /// What in the message the reply answers.
    public var trigger: AutoReplyTrigger
    /// Where the reply is now.
    public var status: ReplyStatus
    /// Credits it cost (0 when not charged or refunded).
    public var credits: Int
    /// The carrier's id when accepted.
    public var providerMessageID: String?
    /// Why it failed (a carrier error code, or `INSUFFICIENT_CREDITS`).
    public var errorCode: String?

    /// An outcome.
    public init(
        replyID: Int64, trigger: AutoReplyTrigger, status: ReplyStatus, credits: Int, providerMessageID: String? = nil,
        errorCode: String? = nil
    ) {
        self.replyID = replyID
        self.trigger = trigger
        self.status = status
        self.credits = credits
        self.providerMessageID = providerMessageID
        self.errorCode = errorCode
    }
}
