import Foundation

/// A campaign as `GET /api/campaigns/{id}` shows it: every campaign field, the number it sends
/// from (its own, else the organization's default; null when it has neither) and the metrics a
/// person reads on the campaign's page.
public struct CampaignDetail: Sendable, Encodable {
    public var campaign: Campaign
    public var phoneNumber: SenderNumber?
    public var metrics: Metrics

    /// The computed display metrics.
    public struct Metrics: Sendable, Encodable, Equatable {
        /// Recipients planned (the audience after suppression is counted separately as skipped).
        public var audienceSize: Int64
        /// Messages handed to the carrier (not a delivery confirmation).
        public var sent: Int64
        /// Messages that failed, carrier rejections and invalid numbers included.
        public var failed: Int64
        /// Rows planned and not yet handed to the carrier: pending, deferred by quiet hours, held
        /// for the A/B winner, or being sent right now.
        public var queued: Int64
        public var skipped: Int64
        public var delivered: Int64
        public var undelivered: Int64
        /// delivered ÷ sent, nil before anything was sent.
        public var deliveryRate: Double?
        /// Inbound replies after the campaign started, opt-outs excluded.
        public var replies: Int64
        public var optOuts: Int64
        public var creditsUsed: Int64

        public init(counters: CampaignCounters, queued: Int64) {
            audienceSize = counters.audience
            sent = counters.sent
            failed = counters.failed
            self.queued = queued
            skipped = counters.skipped
            delivered = counters.delivered
            undelivered = counters.undelivered
            deliveryRate = counters.sent > 0 ? Double(counters.delivered) / Double(counters.sent) : nil
            replies = counters.replies
            optOuts = counters.optOuts
            creditsUsed = counters.creditsUsed
        }
    }

    public init(campaign: Campaign, phoneNumber: SenderNumber?, metrics: Metrics) {
        self.campaign = campaign
        self.phoneNumber = phoneNumber
        self.metrics = metrics
    }

    enum CodingKeys: String, CodingKey {
        case phoneNumber, metrics
    }

    /// The campaign's fields at the top level, then `phoneNumber` and `metrics`.
    public func encode(to encoder: any Encoder) throws {
        try campaign.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(phoneNumber, forKey: .phoneNumber)
        try container.encode(metrics, forKey: .metrics)
    }
}
