import Foundation

/// A message backfill asks the carrier about: a `sent` row past its window, or an `unknown` one.
struct BackfillCandidate: Sendable {
    var id: Int64
    var orgID: UUID
    /// `sent` or `unknown`.
    var status: MessageStatus
    var providerMessageID: String?
    /// The recipient (E.164).
    var phone: String?
    /// When the worker claimed the row (the send happened shortly after).
    var claimedAt: Date?
    /// The campaign's sender number (E.164), when it has one.
    var from: String?
    /// The row's campaign and contact.
    var campaignID: UUID
    var contactID: UUID
    /// The claim that last took the row (nil for rows claimed before claims had ids).
    var claimID: UUID?
    /// Credits the claim charged for the row.
    var credits: Int
    /// Attempts so far.
    var attempt: Int
    /// The body we rendered for it, when recorded (to tell our message from another to the same phone).
    var body: String?
    /// Claimed longer ago than the settle grace (the database's clock).
    var pastGrace: Bool
}
