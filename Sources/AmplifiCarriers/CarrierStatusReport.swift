public import Foundation

/// The carrier's view of one message at some moment (a status callback or a backfill fetch).
public struct CarrierStatusReport: Hashable, Sendable {
    /// The carrier's message id (Twilio's `SM…`/`MM…` sid).
    public var providerMessageID: String
    /// The carrier's status.
    public var status: DeliveryStatus
    /// The classified error when the status is `failed` or `undelivered` with a code.
    public var error: CarrierError?
    /// Segments the carrier counts, when known.
    public var segments: Int?
    /// The price billed, in millionths of the currency unit (positive), when known.
    public var priceMicros: Int64?
    /// When the carrier last changed the message, when known.
    public var updatedAt: Date?

    /// Creates a report.
    public init(
        providerMessageID: String, status: DeliveryStatus, error: CarrierError? = nil,
        segments: Int? = nil, priceMicros: Int64? = nil, updatedAt: Date? = nil
    ) {
        self.providerMessageID = providerMessageID
        self.status = status
        self.error = error
        self.segments = segments
        self.priceMicros = priceMicros
        self.updatedAt = updatedAt
    }
}
