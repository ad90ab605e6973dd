import AmplifiMessaging
import Foundation

/// What storing an inbound message needs to know, read in one round trip: the number and its org,
/// the contact, and the campaign the contact last received with its auto-reply settings.
struct InboundContext: Sendable {
    var phoneNumberID: UUID
    var orgID: UUID
    /// The org's number as stored (the reply's sender).
    var numberE164: String
    /// The number's budget in segments per second (`phone_numbers.mps`).
    var numberMPS: Double
    var contactID: UUID?
    var contactOptedOut: Bool
    /// The contact's merge values (for `{{firstName}}` in a response).
    var values: MergeValues?
    var campaignID: UUID?
    var settings: AutoReplySettings?
    var normalizeText: Bool
}
