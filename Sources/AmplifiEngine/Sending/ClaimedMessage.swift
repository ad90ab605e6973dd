import AmplifiMessaging
import Foundation

/// One `campaign_messages` row claimed for sending, with the contact's fields as they are now.
struct ClaimedMessage: Sendable {
    /// `campaign_messages.id`.
    var id: Int64
    /// The contact.
    var contactID: UUID
    /// The phone snapshot taken at planning (what is texted).
    var phone: String
    /// `A`, `B`, `main` or nil.
    var variant: MessageVariant?
    /// Attempts including this one.
    var attempt: Int
    /// Merge values of the contact.
    var values: MergeValues
    /// The contact's quiet-hours zone, if any.
    var timeZone: String?
    /// Opted out since planning.
    var optedOut: Bool
    /// `contacts.is_textable`.
    var isTextable: Bool?
    /// The contact was deleted (anonymized) since planning.
    var deleted: Bool
}
