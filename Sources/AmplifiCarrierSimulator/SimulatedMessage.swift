import AmplifiCarriers
import Foundation

/// One message the simulator accepted, as kept in memory: about 300 bytes plus the body, so a
/// demo of up to ~1M messages fits comfortably; the simulator is not meant for more.
struct SimulatedMessage: Hashable, Sendable {
    /// The creation number (0, 1, 2, …), the message's position in the store.
    let index: Int
    /// `SM…`, issued by `SimulatedCarrier`.
    let sid: String
    /// The recipient (E.164).
    let to: String
    /// The sender (a number, or the pool number picked for a Messaging Service).
    let from: String
    /// The Messaging Service it was sent with, if any.
    let messagingServiceSID: String?
    /// The text.
    let body: String
    /// How many media URLs were attached.
    let numMedia: Int
    /// Segments counted by the simulated carrier.
    let segments: Int
    /// Where status callbacks go, if anywhere.
    let statusCallback: String?
    /// When its create request arrived (before the simulated processing time).
    let receivedAt: Date
    /// When it was created.
    let createdAt: Date
    /// How it ends and how its callbacks are posted.
    let plan: SimulatedDeliveryPlan
    /// The current status (forward-only).
    var status: DeliveryStatus
    /// When it reached `sent` (or its final status), if it has.
    var sentAt: Date?
    /// When its status last changed.
    var updatedAt: Date
    /// True when the status follows the plan's timeline by the clock (callbacks off, no callback
    /// URL, or a callback step dropped) instead of the callbacks actually posted.
    var followsClock: Bool

    /// The error code when it ended undelivered or failed.
    var errorCode: Int? { status == plan.finalStatus ? plan.errorCode : nil }

    /// The price billed in micros once the carrier charges for it (sent, delivered, undelivered).
    var priceMicros: Int64? {
        status.isCharged ? Int64(segments) * SimulatedCarrier.priceMicrosPerSegment : nil
    }

    /// Moves the status forward to `next` at `now` (a lower or equal status is ignored).
    mutating func advance(to next: DeliveryStatus, at now: Date) {
        guard let moved = status.advancing(to: next) else { return }
        status = moved
        updatedAt = now
        if moved.rank >= DeliveryStatus.sent.rank, sentAt == nil { sentAt = now }
    }

    /// The message as seen at `now` when it follows the clock: one timeline step per `stepDelay`.
    func current(at now: Date, stepDelay: TimeInterval) -> SimulatedMessage {
        guard followsClock else { return self }
        let timeline = plan.timeline
        let elapsed = now.timeIntervalSince(createdAt)
        let reached = stepDelay <= 0 ? timeline.count - 1 : min(timeline.count - 1, Int(elapsed / stepDelay))
        var copy = self
        for step in 0...max(0, reached) {
            copy.advance(to: timeline[step], at: createdAt.addingTimeInterval(Double(step) * stepDelay))
        }
        return copy
    }
}
