import Foundation

/// A stored `reply_messages` row not yet sent (an auto-reply or a test send): everything the
/// sender needs, without another read.
struct PendingReply: Sendable {
    var id: Int64
    var orgID: UUID
    var kind: DirectMessageKind
    /// The inbound message an auto-reply answers; nil for a test send.
    var inboundMessageID: UUID?
    /// The campaign it is charged to; nil for a manual reply of no campaign.
    var campaignID: UUID?
    /// The org's number it goes out from (`phone_numbers.id`, its E.164 and its fleet-wide budget
    /// in segments per second): the send takes a reservation on it. An auto-reply goes out from the
    /// number the inbound message arrived on.
    var senderID: UUID
    var from: String
    var senderMPS: Double
    var to: String
    var body: String
    /// The media of an MMS test send.
    var mediaURL: String?
    var segments: Int
    var credits: Int
    /// Claims taken so far (the next send is attempt + 1).
    var attempt: Int

    /// The credit batch of the next attempt: `reply:<inbound id>` for an auto-reply,
    /// `test:<row id>` for a test send, `manual:<row id>` for a manual reply, with `:<n>` for a
    /// retry after a refunded carrier refusal (the first charge was given back, so a retry must be
    /// a new charge, and a crash-and-retry of the same attempt must not be).
    var batchID: String {
        let base = inboundMessageID.map { "reply:\($0.uuidString.lowercased())" } ?? "\(kind.batchPrefix):\(id)"
        return attempt == 0 ? base : "\(base):\(attempt + 1)"
    }
}
