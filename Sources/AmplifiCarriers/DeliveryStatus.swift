/// A message's status as the carrier reports it (Twilio's `MessageStatus` values), ordered forward-only.
///
/// Order: `accepted`/`scheduled` < `queued` < `sending`/`receiving` < `sent`/`partially_delivered`
/// < the final statuses `delivered`, `undelivered`, `failed`, `canceled`, `received` < `read`.
/// Callbacks arrive out of order, so a status only replaces a lower one; a final status never
/// moves back, nor sideways to another final status (only `read` may follow `delivered`).
public enum DeliveryStatus: String, Hashable, Sendable, CaseIterable, Codable {
    case accepted
    case scheduled
    case queued
    case sending
    case sent
    case failed
    case delivered
    case undelivered
    case receiving
    case received
    case read
    case partiallyDelivered = "partially_delivered"
    case canceled

    /// The position in the forward-only order; equal ranks do not replace each other.
    public var rank: Int {
        switch self {
        case .accepted, .scheduled: 0
        case .queued: 1
        case .sending, .receiving: 2
        case .sent, .partiallyDelivered: 3
        case .delivered, .undelivered, .failed, .canceled, .received: 4
        case .read: 5
        }
    }

    /// Whether the carrier will report nothing further that changes the outcome.
    public var isFinal: Bool { rank >= 4 }

    /// Whether Twilio bills a message in this status (sent, delivered, undelivered — not failed).
    public var isCharged: Bool {
        switch self {
        case .sent, .delivered, .undelivered, .partiallyDelivered, .read, .received: true
        default: false
        }
    }

    /// `next` if moving there is a forward step, otherwise nil (keep the current status).
    public func advancing(to next: DeliveryStatus) -> DeliveryStatus? {
        if isFinal {
            // Only a WhatsApp read receipt may follow a delivery; other final statuses stay.
            return self == .delivered && next == .read ? next : nil
        }
        return next.rank > rank ? next : nil
    }
}
