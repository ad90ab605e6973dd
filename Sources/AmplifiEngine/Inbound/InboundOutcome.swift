public import AmplifiMessaging
public import Foundation

/// What ``InboundMessageHandler`` did with one inbound message.
public struct InboundOutcome: Sendable, Hashable {
    /// False when the message was a redelivered duplicate: nothing was stored, counted or sent.
    public var stored: Bool
    /// The stored `inbound_messages.id` (nil for a duplicate).
    public var inboundMessageID: UUID?
    /// The organization that owns the number the message was sent to.
    public var orgID: UUID
    /// The contact with the sender's phone in the organization; nil for a stranger.
    public var contactID: UUID?
    /// What the message meant: an opt-out, an opt-in, a help request or an ordinary reply.
    public var keyword: InboundKeyword
    /// The campaign the message was credited to (the one the contact last received).
    public var campaignID: UUID?
    /// The automatic reply, when the campaign answers this message.
    public var autoReply: AutoReplyOutcome?
    /// True when the campaign would have answered, but already answered this contact for the same
    /// trigger within the reply window: the message is stored and counted, nothing is sent.
    public var autoReplyWithheld = false

    /// An outcome.
    public init(
        stored: Bool, inboundMessageID: UUID?, orgID: UUID, contactID: UUID?, keyword: InboundKeyword,
        campaignID: UUID?,
        autoReply: AutoReplyOutcome?
    ) {
        self.stored = stored
        self.inboundMessageID = inboundMessageID
        self.orgID = orgID
        self.contactID = contactID
        self.keyword = keyword
        self.campaignID = campaignID
        self.autoReply = autoReply
    }
}
