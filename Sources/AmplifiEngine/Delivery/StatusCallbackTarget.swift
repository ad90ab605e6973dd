public import Foundation

/// The message a status callback URL names: `<base>/<org id>/<message id>`, or
/// `<base>/<message id>` for messages sent before migration 011.
///
/// Workers build the first shape (``url(base:orgID:messageID:)``): with the org in the URL the
/// receiver finds the row by its primary key `(org_id, id)`, one shard under Citus. The second
/// shape is what the carrier still holds for messages sent before the upgrade (Twilio keeps a
/// message's `StatusCallback` for all its callbacks), so the receiver keeps accepting it; the org
/// is then unknown (``orgID`` nil) and the row is found by id among the rows still waiting for a
/// status, or by the carrier's sid (``DeliveryStatusApplier``).
public struct StatusCallbackTarget: Sendable, Hashable {
    /// The organization of the message; nil on the pre-011 shape.
    public var orgID: UUID?
    /// Our `campaign_messages.id`.
    public var messageID: Int64

    /// A target naming `messageID`, and `orgID` when known.
    public init(orgID: UUID?, messageID: Int64) {
        self.orgID = orgID
        self.messageID = messageID
    }

    /// The callback URL for a message: `<base>/<org id>/<message id>`, the org id in lowercase
    /// (like every id in our URLs, keys and logs). `base` is the receiver's status path
    /// (`<public url>/twilio/status`).
    public static func url(base: String, orgID: UUID, messageID: Int64) -> String {
        "\(base)/\(orgID.uuidString.lowercased())/\(messageID)"
    }

    /// The callback URL for a reply (an auto-reply, a test send, the team's reply):
    /// `<base>/replies/<org id>/<reply id>`, a path of its own because reply ids are a sequence of
    /// their own (`reply_messages.id`).
    public static func replyURL(base: String, orgID: UUID, replyID: Int64) -> String {
        "\(base)/replies/\(orgID.uuidString.lowercased())/\(replyID)"
    }

    /// The target at the end of a callback URL or path (`…/<org id>/<message id>` or
    /// `…/<message id>`), ignoring a query; nil when it does not end in a message id. A component
    /// before the id that is not a UUID (`status` in the old shape) means no org.
    public init?(url: String) {
        let path = url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let components = path.split(separator: "/")
        guard let last = components.last, let messageID = Int64(last) else { return nil }
        // A reply's URL names a reply, not a campaign message.
        if components.count >= 3, components[components.count - 3] == "replies" { return nil }
        self.init(orgID: components.dropLast().last.flatMap { UUID(uuidString: String($0)) }, messageID: messageID)
    }
}
