public import Foundation

/// A message as the carrier lists it: its status plus who it went to and when, so backfill can
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

    /// Creates a listed message.
    public init(report: CarrierStatusReport, to: String, from: String? = nil, dateCreated: Date? = nil) {
        self.report = report
        self.to = to
        self.from = from
        self.dateCreated = dateCreated
    }
}
