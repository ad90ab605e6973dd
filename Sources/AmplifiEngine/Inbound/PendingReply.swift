import Foundation

/// A stored reply not yet sent: everything the sender needs, without another read.
struct PendingReply: Sendable {
    var id: Int64
    var orgID: UUID
    var inboundMessageID: UUID
    var campaignID: UUID
    /// The org's number the inbound message arrived on (`phone_numbers.id`, its E.164 and its
    /// fleet-wide budget in segments per second): the reply takes a reservation on it.
    var senderID: UUID
    var from: String
    var senderMPS: Double
    var to: String
    var body: String
    var segments: Int
    var credits: Int
    /// Claims taken so far (the next send is attempt + 1).
    var attempt: Int

    /// The credit batch of the next attempt: `reply:<inbound id>` for the first, with `:<n>` for
    /// a retry after a refunded carrier refusal (the first charge was given back, so a retry must
    /// be a new charge, and a crash-and-retry of the same attempt must not be).
    var batchID: String {
        let base = "reply:\(inboundMessageID.uuidString.lowercased())"
        return attempt == 0 ? base : "\(base):\(attempt + 1)"
    }
}
