public import AmplifiCarriers
public import Foundation

/// Which listed carrier message is an `unknown` row's (its sid was never recorded): the messages
/// from the campaign's sender created within [claimed_at − 1 min, claimed_at + 15 min] and, when
/// both sides know it, with the body we rendered (so another campaign's message to the same phone in
/// that window is not taken for ours). Exactly one settles the row; several leave it `unknown`
/// (never guessed); none lets the settle step put the row back once its grace has passed.
public enum BackfillListMatch: Sendable {
    /// No listed message fits.
    case noCandidate
    /// Exactly one fits: the row's message.
    case single(CarrierMessage)
    /// Several fit: cannot tell which one is the row's.
    case several

    /// Listed messages created this long before the claim still count (clock skew).
    public static let windowBefore: TimeInterval = 60
    /// Listed messages created this long after the claim still count (the batch's send time).
    public static let windowAfter: TimeInterval = 15 * 60

    /// Picks the row's message among `listed` (a message without a creation time cannot be placed
    /// in the window, so it never counts).
    public static func pick(
        _ listed: [CarrierMessage], from: String, claimedAt: Date, body: String? = nil
    ) -> BackfillListMatch {
        let window = claimedAt.addingTimeInterval(-windowBefore)...claimedAt.addingTimeInterval(windowAfter)
        var found: CarrierMessage?
        for message in listed {
            guard message.from == from, let created = message.dateCreated, window.contains(created) else { continue }
            if let body, let listedBody = message.body, listedBody != body { continue }
            if found != nil { return .several }
            found = message
        }
        return found.map { .single($0) } ?? .noCandidate
    }
}
