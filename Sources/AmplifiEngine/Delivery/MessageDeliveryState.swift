public import AmplifiCarriers

/// The `campaign_messages.status` values a status report can move a row between, with their
/// forward-only ranks: `unknown` < `sent` < the finals (`failed` < `undelivered` < `delivered`).
///
/// Finals never change. Among finals the rank only breaks ties inside one batch (two reports
/// for the same row: the highest rank wins, so two appliers given the same reports agree): a
/// delivery receipt is the strongest evidence, then a handset-side failure, then a refusal.
public enum MessageDeliveryState: String, Sendable, CaseIterable {
    /// The worker died between the carrier's answer and recording it; any matched report settles it.
    case unknown
    /// Accepted by the carrier, no final status yet.
    case sent
    /// The carrier failed or canceled it.
    case failed
    /// The carrier could not deliver it to the handset.
    case undelivered
    /// Delivered (or read).
    case delivered

    /// Position in the forward-only order.
    public var rank: Int {
        switch self {
        case .unknown: 0
        case .sent: 1
        case .failed: 2
        case .undelivered: 3
        case .delivered: 4
        }
    }

    /// Whether a report may still move a row in this state (`unknown` and `sent` only).
    public var isFinal: Bool { rank >= MessageDeliveryState.failed.rank }

    /// Whether rows in this state count in `campaigns.sent_count` (the carrier took the message).
    public var countsAsSent: Bool { self == .sent || self == .delivered || self == .undelivered }

    /// The row state a carrier status leads to, or nil for statuses that say nothing about an
    /// outbound message (`receiving`/`received`: logged, never applied).
    public init?(carrierStatus: DeliveryStatus) {
        switch carrierStatus {
        case .accepted, .scheduled, .queued, .sending, .sent, .partiallyDelivered: self = .sent
        case .delivered, .read: self = .delivered
        case .undelivered: self = .undelivered
        case .failed, .canceled: self = .failed
        case .receiving, .received: return nil
        }
    }

    /// Whether a report leading to `target` moves a row in this state: only forward, finals never.
    public func isAdvanced(by target: MessageDeliveryState) -> Bool {
        !isFinal && target.rank > rank
    }
}
