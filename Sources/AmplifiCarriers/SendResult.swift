/// What the carrier said about one message of a batch.
public enum SendResult: Hashable, Sendable {
    /// The carrier took the message: its id, the status it reported, the segments it counts
    /// and the price it billed in millionths of the currency unit (positive; nil when not known yet).
    case accepted(providerMessageID: String, status: DeliveryStatus, segments: Int, priceMicros: Int64?)
    /// The carrier did not take the message; the error says what the pipeline should do.
    case failed(CarrierError)

    /// The carrier's id when accepted.
    public var providerMessageID: String? {
        if case .accepted(let id, _, _, _) = self { return id }
        return nil
    }

    /// The error when failed.
    public var error: CarrierError? {
        if case .failed(let error) = self { return error }
        return nil
    }
}
