public import Foundation

/// One message the simulator created, as its log keeps it: who got what from whom, when the
/// create request arrived and when the message was created (after the simulated processing time). Chaos runs judge the engine from this log, not from the engine's own rows.
public struct CarrierSimulatorLogEntry: Hashable, Sendable, Codable {
    /// `SM…`.
    public var sid: String
    /// The recipient (E.164).
    public var to: String
    /// The sender number.
    public var from: String
    /// The text.
    public var body: String
    /// Segments billed.
    public var segments: Int
    /// The status callback URL the sender gave (our message id is its last path component).
    public var statusCallback: String?
    /// When the create request arrived: the moment the message left the sender, give or take the
    /// loopback. Rates, opt-outs and quiet hours are judged on it.
    public var receivedAt: Date
    /// When the message was created, after the simulated processing time (100–300 ms in chaos runs).
    public var createdAt: Date

    /// An entry from its parts.
    public init(
        sid: String, to: String, from: String, body: String, segments: Int, statusCallback: String?, receivedAt: Date,
        createdAt: Date
    ) {
        self.sid = sid
        self.to = to
        self.from = from
        self.body = body
        self.segments = segments
        self.statusCallback = statusCallback
        self.receivedAt = receivedAt
        self.createdAt = createdAt
    }
}
