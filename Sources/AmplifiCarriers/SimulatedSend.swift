public import AmplifiMessaging
public import Foundation

/// One attempt the simulated carrier received: who, which body (as a hash), and how it ended.
public struct SimulatedSend: Hashable, Sendable {
    /// Our message id.
    public let messageID: Int64
    /// The sender.
    public let from: PhoneNumber
    /// The recipient.
    public let to: PhoneNumber
    /// When the simulator received it.
    public let receivedAt: Date
    /// `StableHash` of the body's UTF-8 (the body itself is not kept).
    public let bodyHash: UInt64
    /// Segments the carrier counted.
    public let segments: Int
    /// The error code when refused; nil when accepted.
    public let errorCode: String?

    /// Whether the carrier accepted the message.
    public var accepted: Bool { errorCode == nil }

    /// The (recipient, body) pair, to check that each contact got a message at most once.
    public var key: SimulatedSendKey { SimulatedSendKey(to: to, bodyHash: bodyHash) }
}
