public import Foundation

/// One message the simulator created, as its log keeps it: who got what from whom, and when the
/// create request arrived. Chaos runs judge the engine from this log, not from the engine's own rows.
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
    /// When the create request was accepted.
    public var createdAt: Date

    /// An entry from its parts.
    public init(
        sid: String, to: String, from: String, body: String, segments: Int, statusCallback: String?, createdAt: Date
    ) {
        self.sid = sid
        self.to = to
        self.from = from
        self.body = body
        self.segments = segments
        self.statusCallback = statusCallback
        self.createdAt = createdAt
    }
}
