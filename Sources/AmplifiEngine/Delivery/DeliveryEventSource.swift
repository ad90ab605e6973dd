/// Where a status report came from (`delivery_events.source`).
public enum DeliveryEventSource: String, Sendable {
    /// The carrier's status callback (the receiver).
    case callback
    /// A poll of the carrier by `amplifi backfill-status`.
    case backfill
}
