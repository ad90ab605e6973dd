public import Foundation

/// A message as the carrier lists it: its status plus who it went to, when and what, so backfill can
/// find a message whose provider id was never recorded (the worker died after the carrier's 201).
public struct CarrierMessage: Hashable, Sendable {
    /// The carrier's view of its status.
    public var report: CarrierStatusReport
    /// The recipient as the carrier has it (E.164).
    public var to: String
    /// The sender as the carrier has it (E.164), when known.
    public var from: String?
    /// When the carrier created the message, when known.
    public var dateCreated: Date?
    /// The text as the carrier has it, when known: lets a listed message be matched to our row by
    /// body as well as by recipient, sender and time.
    public var body: String?

    /// Creates a listed message.
    public init(
        report: CarrierStatusReport, to: String, from: String? = nil, dateCreated: Date? = nil, body: String? = nil
    ) {
        self.report = report
        self.to = to
        self.from = from
        self.dateCreated = dateCreated
        self.body = body
    }
}
