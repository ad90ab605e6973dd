import AmplifiMessaging
public import AmplifiPostgres
public import AmplifiRedis
public import Foundation
public import Logging

/// The automatic A/B decision: once an A/B campaign has been sending for its `ab_decide_after`,
/// the variant with the higher reply rate wins (A on a tie, including no replies at all) and the
/// holdout is released through ``ABWinnerSelection`` (which sets the winner only if none is set,
/// so a racing scheduler or an ops pick can never be overwritten).
public struct ABWinnerDecider: Sendable {
    /// One decision: the campaign, its organization, the winner and the rates behind it.
    public struct Decision: Sendable, Equatable {
        public var campaignID: UUID
        public var orgID: UUID
        /// "A" or "B".
        public var winner: String
        /// Replying contacts / sent rows of variant A (0 when none was sent).
        public var rateA: Double
        /// Replying contacts / sent rows of variant B (0 when none was sent).
        public var rateB: Double
        /// Held rows released to the winner.
        public var released: Int
    }

    let client: PostgresClient
    let selection: ABWinnerSelection
    let logger: Logger

    /// A decider reading `client` and releasing held rows to the fair queue in `redis`.
    public init(client: PostgresClient, redis: RedisClient, keys: QueueKeys = QueueKeys(), logger: Logger) {
        self.client = client
        self.selection = ABWinnerSelection(client: client, redis: redis, keys: keys, logger: logger)
        self.logger = logger
    }

    // Why one query for every due campaign: the due list (campaigns_active_idx narrows to
    // 'sending'), the sent rows per variant and the replies per variant all come back in one
    // round trip, aggregated in Postgres, however many campaigns are due.
    // - Sent = rows of the variant in 'sent', 'delivered' or 'undelivered' (the carrier accepted
    //   them; 'unknown' rows are not counted because we do not know they went out).
    // - Replies = DISTINCT contacts of the variant with an inbound message credited to the
    //   campaign whose keyword is not 'opt_out' (NULL = ordinary reply; 'help'/'opt_in' count), so
    //   one chatty contact cannot outweigh many. The join goes through campaign_messages
    //   (campaign_id, contact_id) — the row's variant is what the contact received.
    // Every join is on (org_id, campaign_id) of the due campaign.
    static func dueRatesQuery(limit: Int) -> PostgresQuery {
        """
        WITH due AS (
            SELECT id, org_id, started_at FROM campaigns
            WHERE status = 'sending' AND ab_test AND ab_winner IS NULL AND started_at IS NOT NULL
              AND started_at + ab_decide_after <= now()
            ORDER BY started_at, id
            LIMIT \(limit)
        ), sent AS (
            SELECT m.campaign_id,
                   count(*) FILTER (WHERE m.variant = 'A') AS a,
                   count(*) FILTER (WHERE m.variant = 'B') AS b
            FROM due d
            JOIN campaign_messages m ON m.org_id = d.org_id AND m.campaign_id = d.id
            WHERE m.variant IN ('A', 'B') AND m.status IN ('sent', 'delivered', 'undelivered')
            GROUP BY m.campaign_id
        ), replied AS (
            SELECT m.campaign_id,
                   count(DISTINCT m.contact_id) FILTER (WHERE m.variant = 'A') AS a,
                   count(DISTINCT m.contact_id) FILTER (WHERE m.variant = 'B') AS b
            FROM due d
            JOIN inbound_messages i ON i.org_id = d.org_id AND i.campaign_id = d.id
            JOIN campaign_messages m ON m.org_id = d.org_id AND m.campaign_id = d.id AND m.contact_id = i.contact_id
            WHERE m.variant IN ('A', 'B') AND (i.keyword IS NULL OR i.keyword <> 'opt_out')
            GROUP BY m.campaign_id
        )
        SELECT d.id, d.org_id,
               coalesce(s.a, 0)::bigint, coalesce(s.b, 0)::bigint,
               coalesce(r.a, 0)::bigint, coalesce(r.b, 0)::bigint
        FROM due d
        LEFT JOIN sent s ON s.campaign_id = d.id
        LEFT JOIN replied r ON r.campaign_id = d.id
        ORDER BY d.started_at, d.id
        """
    }

    /// Picks and applies the winner of up to `limit` due A/B campaigns; returns what was decided.
    /// A campaign decided by someone else in the meantime is skipped (not an error).
    public func decideDue(limit: Int = 100) async throws -> [Decision] {
        let rows = try await client.query(Self.dueRatesQuery(limit: limit))
        var decisions: [Decision] = []
        for row in rows {
            let (campaignID, orgID, sentA, sentB, repliesA, repliesB) = try row.decode(
                (UUID, UUID, Int64, Int64, Int64, Int64).self)
            let rateA = sentA > 0 ? Double(repliesA) / Double(sentA) : 0
            let rateB = sentB > 0 ? Double(repliesB) / Double(sentB) : 0
            let winner = rateB > rateA ? "B" : "A"
            do {
                let released = try await selection.choose(campaignID: campaignID, orgID: orgID, variant: winner)
                decisions.append(
                    Decision(
                        campaignID: campaignID, orgID: orgID, winner: winner, rateA: rateA, rateB: rateB,
                        released: released))
                logger.info(
                    "A/B winner decided by reply rate",
                    metadata: [
                        "org_id": .id(orgID), "campaign_id": .id(campaignID), "winner": "\(winner)",
                        "sent_a": "\(sentA)", "replies_a": "\(repliesA)", "sent_b": "\(sentB)",
                        "replies_b": "\(repliesB)",
                    ])
            } catch let error as EngineError where error.code == .conflict || error.code == .invalidTransition {
                // Another scheduler or ops picked a winner, or the campaign finished, since the read.
                logger.info(
                    "A/B decision skipped",
                    metadata: ["org_id": .id(orgID), "campaign_id": .id(campaignID), "reason": "\(error.message)"])
            }
        }
        return decisions
    }
}
