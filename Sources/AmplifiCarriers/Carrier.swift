public import AmplifiMessaging
public import Foundation

/// A carrier adapter: sends batches of messages and reports a message's status on request.
///
/// Implementations are `TwilioCarrier` (HTTP; also against the `amplifi carrier-sim` server) and
/// the in-process `SimulatedCarrier`.
public protocol Carrier: Sendable {
    /// Sends `batch` (possibly concurrently) and returns one result per message, in the batch's order.
    ///
    /// Never throws: every message gets either `.accepted` or `.failed` with a classified `CarrierError`.
    /// A transport failure before the request was written (the message provably does not exist) is
    /// retryable (`retryableRequest`); one after it was written, or an unreadable success answer, is
    /// `ambiguous` (disposition `settleLater`): the message may exist, so it must never be resent
    /// blindly — it is settled by `listMessages`.
    func send(_ batch: [OutboundMessage]) async -> [SendResult]

    /// The carrier's current view of one message (for backfill), or nil when the carrier does not know it.
    func fetch(providerMessageID: String) async throws -> CarrierStatusReport?

    /// Every message sent to `to` on or after the UTC day of `since`, following all pages (backfill
    /// of rows whose provider id was never recorded, settling of ambiguous sends), with its sender,
    /// creation time and body when the carrier gives them. Throws a `CarrierError` on failure.
    func listMessages(to: PhoneNumber, sentOnOrAfter since: Date) async throws -> [CarrierMessage]

    /// The line type of `phone` (Twilio Lookup v2), or nil when the carrier cannot tell.
    /// Throws a `CarrierError` on failure.
    func lookupLineType(_ phone: PhoneNumber) async throws -> LineType?

    /// Releases what the carrier holds (HTTP connections) once it is no longer used; call it once.
    func shutdown() async throws
}

extension Carrier {
    /// Releases what the carrier holds (HTTP connections); nothing by default.
    public func shutdown() async throws {}
}
