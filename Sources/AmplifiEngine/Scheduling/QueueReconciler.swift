public import AmplifiPostgres
public import AmplifiRedis
import Foundation
public import Logging

/// Rebuilds Redis queue state from Postgres, the source of truth, so that Redis
/// losing data (restart without persistence, FLUSHALL, failover) delays sends but
/// never loses or duplicates one.
///
/// - `queued` campaigns (admitted, not yet planned) whose admission is not known
///   to Redis are published again. "Known" is a Redis set maintained beside the
///   stream: it disappears together with the stream, so a flushed Redis makes
///   every queued campaign unknown and republished, while a healthy one causes
///   no duplicate admissions. (A duplicate would be harmless anyway: planning is
///   idempotent and guarded by the campaign's status.)
/// - `queued` campaigns queued for longer than ``requeueAfter`` are published again
///   whatever the set says: after a Redis snapshot restore or a failover that lost
///   recent writes, the set can still list a campaign whose stream entry is gone.
///   At most once per ``requeueAfter`` per campaign (a `SET NX PX` marker), so a
///   campaign that simply takes long to plan, or waits behind a backlog, does not
///   fill the stream with duplicates.
/// - `sending` campaigns get every chunk that still has `pending` rows pushed
///   again; the fair queue's push is idempotent (a chunk already queued or leased
///   is not added twice) and re-running a finished chunk finds nothing to send.
public struct QueueReconciler: Sendable {
    let client: PostgresClient
    let redis: RedisClient
    let admissions: AdmissionQueue
    let chunks: FairChunkQueue
    let keys: QueueKeys
    let logger: Logger
    /// How long a campaign may stay `queued` before it is republished whatever Redis says.
    public var requeueAfter: Duration

    public init(
        client: PostgresClient, redis: RedisClient, keys: QueueKeys = QueueKeys(),
        requeueAfter: Duration = .seconds(120),
        logger: Logger = Logger(label: "amplifi.reconciler")
    ) {
        self.requeueAfter = requeueAfter
        self.client = client
        self.redis = redis
        self.keys = keys
        self.logger = logger
        self.admissions = AdmissionQueue(client: redis, keys: keys, logger: logger)
        self.chunks = FairChunkQueue(client: redis, keys: keys, logger: logger)
    }

    /// The set of campaign ids whose admission was published (see the type's doc).
    var admittedSet: String { keys.admittedSet }

    /// The marker that a stale queued campaign was republished recently (expires after ``requeueAfter``).
    func requeuedMarker(_ campaignID: UUID) -> String { keys.requeuedMarker(campaignID) }

    /// Publishes admissions for campaigns just moved to `queued` and records them
    /// as known.
    public func publish(_ changes: [CampaignAdmissions.Change]) async throws {
        guard !changes.isEmpty else { return }
        for change in changes {
            _ = try await admissions.publish(campaignID: change.campaignID, orgID: change.orgID)
        }
        try await redis.send(
            ["SADD", RedisArgument(admittedSet)] + changes.map { RedisArgument($0.campaignID.uuidString.lowercased()) })
    }

    /// The stale campaigns not republished within the last ``requeueAfter``, marking them now: one
    /// pipelined `SET marker 1 NX PX` per campaign (one round trip).
    func unmarkedStale(_ stale: [CampaignAdmissions.Change]) async throws -> [CampaignAdmissions.Change] {
        guard !stale.isEmpty else { return [] }
        let replies = try await redis.pipeline(
            stale.map { change in
                [
                    "SET", RedisArgument(requeuedMarker(change.campaignID)), "1", "NX", "PX",
                    RedisArgument(milliseconds: max(requeueAfter, .milliseconds(1))),
                ]
            })
        return zip(stale, replies).filter { $0.1.string == "OK" }.map(\.0)
    }

    /// What one reconciliation pass did.
    public struct Pass: Sendable, Equatable {
        /// Queued campaigns whose admission was published again.
        public var republished = 0
        /// Chunk jobs newly pushed for sending campaigns (already-queued ones excluded).
        public var chunksRestored = 0

        public init(republished: Int = 0, chunksRestored: Int = 0) {
            self.republished = republished
            self.chunksRestored = chunksRestored
        }
    }

    /// One pass over queued and sending campaigns (two queries, one SMISMEMBER,
    /// one push script call per organization).
    @discardableResult
    public func reconcile() async throws -> Pass {
        var pass = Pass()
        let queued = try await CampaignAdmissions(client: client).queuedCampaigns(staleAfter: requeueAfter)
        if !queued.isEmpty {
            let membership = try await redis.send(
                ["SMISMEMBER", RedisArgument(admittedSet)]
                    + queued.map { RedisArgument($0.change.campaignID.uuidString.lowercased()) })
            let known = (membership.array ?? []).map { $0.int == 1 }
            var missing: [CampaignAdmissions.Change] = []
            var staleButKnown: [CampaignAdmissions.Change] = []
            for (index, entry) in queued.enumerated() {
                if index >= known.count || !known[index] {
                    missing.append(entry.change)
                } else if entry.stale {
                    staleButKnown.append(entry.change)
                }
            }
            let stale = try await unmarkedStale(staleButKnown)
            try await publish(missing + stale)
            pass.republished = missing.count + stale.count
        }
        // Why GROUP BY over the open-rows index: one row per (campaign, chunk) that
        // still has work, for every sending campaign at once.
        let rows = try await client.query(
            """
            SELECT m.campaign_id, m.org_id, m.chunk
            FROM campaign_messages m
            JOIN campaigns c ON c.id = m.campaign_id AND c.org_id = m.org_id
            WHERE c.status = 'sending' AND m.status = 'pending'
            GROUP BY m.campaign_id, m.org_id, m.chunk
            """)
        let jobs = try rows.map { row in
            let (campaign, org, chunk) = try row.decode((UUID, UUID, Int).self)
            return ChunkJob(campaignID: campaign, orgID: org, chunk: chunk)
        }
        if !jobs.isEmpty { pass.chunksRestored = try await chunks.push(jobs: jobs) }
        if pass.republished > 0 || pass.chunksRestored > 0 {
            logger.notice(
                "restored queue state from Postgres",
                metadata: ["republished": "\(pass.republished)", "chunks": "\(pass.chunksRestored)"])
        }
        return pass
    }
}
