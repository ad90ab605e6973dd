public import AmplifiMessaging
public import Foundation

/// One attempt the simulated carrier received: who, which body, and how it ended.
public struct SimulatedSend: Hashable, Sendable {
    /// Our message id.
    public let messageID: Int64
    /// The sender.
    public let from: PhoneNumber
    /// The recipient.
    public let to: PhoneNumber
    /// When the simulator received it.
    public let receivedAt: Date
    /// `StableHash` of the body's UTF-8.
    public let bodyHash: UInt64
    /// The body as sent.
    public let body: String
    /// Segments the carrier counted.
    public let segments: Int
    /// The error code when refused; nil when accepted (the message exists at the carrier).
    public let errorCode: String?
    /// Whether the message was created but the sender was told `response_timeout` (ambiguous): it
    /// counts as accepted, so resending it shows up as a duplicate delivery.
    public let answerLost: Bool

    /// Whether the carrier accepted (created) the message, whatever the sender was told.
    public var accepted: Bool { errorCode == nil }

    /// The (recipient, body) pair, to check that each contact got a message at most once.
    public var key: SimulatedSendKey { SimulatedSendKey(to: to, bodyHash: bodyHash) }
}
