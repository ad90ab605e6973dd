public import AmplifiMessaging

/// A (recipient, body hash) pair of the send log.
public struct SimulatedSendKey: Hashable, Sendable {
    /// The recipient.
    public let to: PhoneNumber
    /// `StableHash` of the body's UTF-8.
    public let bodyHash: UInt64

    /// A key for `to` and a body's `StableHash`.
    public init(to: PhoneNumber, bodyHash: UInt64) {
        self.to = to
        self.bodyHash = bodyHash
    }
}
