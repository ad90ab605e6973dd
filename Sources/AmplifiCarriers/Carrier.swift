/// A carrier adapter: sends batches of messages and reports a message's status on request.
///
/// Implementations are Twilio over HTTP (later) and the in-process `SimulatedCarrier`.
public protocol Carrier: Sendable {
    /// Sends `batch` (possibly concurrently) and returns one result per message, in the batch's order.
    ///
    /// Never throws: every message gets either `.accepted` or `.failed` with a classified `CarrierError`
    /// (a transport failure becomes a retryable error for each message it affected).
    func send(_ batch: [OutboundMessage]) async -> [SendResult]

    /// The carrier's current view of one message (for backfill), or nil when the carrier does not know it.
    func fetch(providerMessageID: String) async throws -> CarrierStatusReport?
}
