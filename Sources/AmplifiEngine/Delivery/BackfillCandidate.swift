import Foundation

/// A message backfill asks the carrier about: a `sent` row past its window, or an `unknown` one.
struct BackfillCandidate: Sendable {
    var id: Int64
    var orgID: UUID
    /// `sent` or `unknown`.
    var status: String
    var providerMessageID: String?
    /// The recipient (E.164).
    var phone: String?
    /// When the worker claimed the row (the send happened shortly after).
    var claimedAt: Date?
    /// The campaign's sender number (E.164), when it has one.
    var from: String?
}
