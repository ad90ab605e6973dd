public import AmplifiPostgres
public import Foundation

/// A campaign's numbers for people deciding about it (`GET /api/campaigns/{id}/stats`): rows by
/// status, skips by reason, each variant's delivery and reply rates, carrier errors by code.
public struct CampaignStats: Sendable, Encodable, Equatable {
    /// Rows by status (`pending`, `sent`, `delivered`, `skipped`, …).
    public var byStatus: [String: Int64]
    /// Skipped rows by reason (`opted_out`, `not_textable`, `lookup_pending`, …).
    public var skippedByReason: [String: Int64]
    /// Failed and undelivered rows by the carrier's error code (Twilio's, or ours for transport).
    public var errorsByCode: [String: Int64]
    /// Each variant (`A`, `B`, `main`; one entry for a campaign without A/B).
    public var variants: [Variant]

    /// One variant's results.
    public struct Variant: Sendable, Encodable, Equatable {
        public var variant: MessageVariant
        /// Rows of the variant (held rows included until the winner is picked).
        public var messages: Int64
        /// Accepted by the carrier (`sent`, `delivered`, `undelivered`).
        public var sent: Int64
        public var delivered: Int64
        public var failed: Int64
        /// Contacts who replied (opt-outs excluded), each counted once.
        public var replies: Int64
        /// replies ÷ sent; nil before anything was sent.
        public var replyRate: Double?
        /// delivered ÷ sent; nil before anything was sent.
        public var deliveryRate: Double?
    }

    // One pass over the campaign's rows with grouping sets (status × reason, variant × status,
    // error code); replies per variant join the campaign's inbound messages through the rows (the
    // variant a contact received), distinct contacts, opt-outs excluded — as the A/B decision counts.
    static func countsQuery(campaignID: UUID, orgID: UUID) -> PostgresQuery {
        """
        SELECT GROUPING(status, skip_reason) = 0 AS by_status, GROUPING(variant) = 0 AS by_variant,
               status, skip_reason, variant, error_code, count(*)::bigint AS rows
        FROM campaign_messages
        WHERE org_id = \(orgID) AND campaign_id = \(campaignID)
        GROUP BY GROUPING SETS ((status, skip_reason), (variant, status), (error_code))
        """
    }

    static func repliesQuery(campaignID: UUID, orgID: UUID) -> PostgresQuery {
        """
        SELECT coalesce(m.variant, 'main'), count(DISTINCT m.contact_id)::bigint
        FROM inbound_messages i
        JOIN campaign_messages m ON m.org_id = i.org_id AND m.campaign_id = i.campaign_id AND m.contact_id = i.contact_id
        WHERE i.org_id = \(orgID) AND i.campaign_id = \(campaignID) AND (i.keyword IS NULL OR i.keyword <> 'opt_out')
        GROUP BY 1
        """
    }

    /// The stats of `campaignID` (zeros for a campaign without rows yet).
    public static func load(client: PostgresClient, campaignID: UUID, orgID: UUID) async throws -> CampaignStats {
        var stats = CampaignStats(byStatus: [:], skippedByReason: [:], errorsByCode: [:], variants: [])
        var variants: [MessageVariant: Variant] = [:]
        for row in try await client.query(countsQuery(campaignID: campaignID, orgID: orgID)) {
            let (byStatus, byVariant, status, reason, variant, code, count) = try row.decode(
                (Bool, Bool, MessageStatus?, String?, MessageVariant?, String?, Int64).self)
            if byStatus, let status {
                stats.byStatus[status.rawValue, default: 0] += count
                if let reason { stats.skippedByReason[reason, default: 0] += count }
            } else if byVariant, let status {
                let name = variant ?? .main
                var entry =
                    variants[name]
                    ?? Variant(
                        variant: name, messages: 0, sent: 0, delivered: 0, failed: 0, replies: 0, replyRate: nil,
                        deliveryRate: nil)
                entry.messages += count
                if [.sent, .delivered, .undelivered].contains(status) { entry.sent += count }
                if status == .delivered { entry.delivered += count }
                if status == .failed || status == .undelivered { entry.failed += count }
                variants[name] = entry
            } else if !byStatus, !byVariant, let code {
                stats.errorsByCode[code, default: 0] += count
            }
        }
        for row in try await client.query(repliesQuery(campaignID: campaignID, orgID: orgID)) {
            let (name, replies) = try row.decode((MessageVariant, Int64).self)
            variants[name]?.replies = replies
        }
        stats.variants = variants.values.sorted { $0.variant.rawValue < $1.variant.rawValue }.map { variant in
            var variant = variant
            if variant.sent > 0 {
                variant.replyRate = Double(variant.replies) / Double(variant.sent)
                variant.deliveryRate = Double(variant.delivered) / Double(variant.sent)
            }
            return variant
        }
        return stats
    }
}
