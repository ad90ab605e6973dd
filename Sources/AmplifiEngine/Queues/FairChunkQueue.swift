import AmplifiMessaging
public import AmplifiRedis
public import Foundation
public import Logging

/// The chunk jobs of every sending campaign, taken fairly across organizations
/// (RapidPro's fair queue): one org's 1M-recipient blast delays another org's
/// 500-recipient campaign by a few chunk hand-outs at most.
///
/// Each organization has its own FIFO list of jobs; a `ready` sorted set holds the orgs
/// that have jobs, scored by how many of their jobs are in flight (leased). `pop` serves
/// the least active org, rotating among orgs equally active, so every org with work gets
/// an equal share of the workers however many jobs it queued. Every operation is one Lua
/// script call (see ``FairQueueScripts`` for the invariants); a batch `push` is one call
/// per 5,000 jobs.
///
/// A popped job is leased until a deadline on the Redis server's clock. A worker that
/// dies holds nothing forever: ``reclaimExpired(limit:)`` puts jobs of expired leases back
/// at the front of their org's queue (attempt + 1), and long chunks stay leased with
/// ``extend(_:leaseSeconds:)``. A job can therefore run twice (a worker paused past
/// its lease, then completed): chunk processing is idempotent in Postgres (rows are
/// claimed `pending → sending` with `SKIP LOCKED`), so that costs time, never a message.
///
/// ## Redis restart or flush
/// Everything here may vanish. Nothing is lost because Postgres is the source of truth:
/// the scheduler's reconciler periodically re-pushes a job for every (campaign, chunk)
/// that still has `pending` rows in a `sending` campaign. `push` is idempotent — a job
/// whose (org, campaign, chunk) is already queued or leased is skipped (a `members`
/// set) — so re-pushing everything is safe whether or not Redis lost it. Completions of
/// leases from before the flush return false and change nothing.
///
/// A push of a job that is leased is not dropped, though: the worker holding it may already
/// have found the chunk's rows done, just before the push made more of them pending (an A/B
/// winner released the held rows, a campaign resumed). The push is remembered, and
/// completing that lease queues the job once more, so such rows do not wait for the lease
/// to run out or for the reconciler.
///
/// ## Canceled campaigns
/// ``clear(campaignID:orgID:)`` removes a canceled campaign's queued jobs (cost: the
/// length of its org's queue). Workers still check the campaign's status when they pop
/// a job and complete it without work when it is paused, canceled or finished.
public struct FairChunkQueue: Sendable {
    /// Jobs per `push` script call (ARGV size per call stays bounded).
    public static let pushBatchSize = 5_000

    /// The Redis client.
    public let client: RedisClient
    /// Key names.
    public let keys: QueueKeys
    let logger: Logger

    /// A fair queue on `client` under `keys`.
    public init(client: RedisClient, keys: QueueKeys = QueueKeys(), logger: Logger) {
        self.client = client
        self.keys = keys
        self.logger = logger
    }

    /// Queues `jobs` at the back of their organizations' queues, skipping any whose
    /// (org, campaign, chunk) is already queued or leased; returns how many were added.
    /// One script call per organization per 5,000 jobs (normally: one call).
    @discardableResult
    public func push(jobs: [ChunkJob]) async throws -> Int {
        var orgOrder: [UUID] = []
        var byOrg: [UUID: [ChunkJob]] = [:]
        for job in jobs {
            if byOrg[job.orgID] == nil { orgOrder.append(job.orgID) }
            byOrg[job.orgID, default: []].append(job)
        }
        var added = 0
        for org in orgOrder {
            let orgJobs = byOrg[org] ?? []
            for start in stride(from: 0, to: orgJobs.count, by: Self.pushBatchSize) {
                let batch = orgJobs[start..<min(start + Self.pushBatchSize, orgJobs.count)]
                let reply = try await client.evalScript(
                    FairQueueScripts.push,
                    keys: Self.arguments(keys.fairPushKeys(orgID: org)),
                    arguments: [.init(QueueKeys.id(org))] + batch.map { RedisArgument($0.payload) })
                added += reply.int ?? 0
            }
        }
        return added
    }

    /// Takes the next job fairly (least active org first, equally active orgs in turn) and
    /// leases it to `worker` for `leaseSeconds` of Redis server time; nil when no job waits.
    /// One script call. A job that cannot be parsed is logged and dropped.
    public func pop(worker: String, leaseSeconds: Double) async throws -> ChunkLease? {
        for _ in 0..<4 {
            let reply = try await client.evalScript(
                FairQueueScripts.pop,
                keys: Self.arguments(keys.fairPopKeys),
                arguments: [.init(keys.fairOrgQueuePrefix), .init(Self.milliseconds(leaseSeconds)), .init(worker)])
            guard let parts = reply.array else { return nil }
            guard parts.count == 4, let token = parts[0].string, let orgText = parts[1].string,
                let payload = parts[2].string, let expires = parts[3].int
            else {
                throw RedisError(
                    code: .protocolViolation, message: "unexpected reply from the pop script", command: "EVALSHA")
            }
            let lease = UUID(uuidString: orgText).flatMap { ChunkJob(orgID: $0, payload: payload) }
                .map { ChunkLease(token: token, job: $0, expiresAtMilliseconds: expires) }
            if let lease { return lease }
            logger.warning("dropping malformed chunk job", metadata: ["token": "\(token)"])
            try await client.evalScript(
                FairQueueScripts.complete, keys: completeKeys, arguments: completeArguments(token))
        }
        return nil
    }

    /// Ends `lease` after its chunk was processed (one script call); when the job was pushed
    /// again while leased, it is queued once more instead. Returns false when
    /// the lease had already expired and been reclaimed: the job is queued or running
    /// again elsewhere, which is harmless (chunk work is idempotent).
    @discardableResult
    public func complete(_ lease: ChunkLease) async throws -> Bool {
        try await client.evalScript(
            FairQueueScripts.complete, keys: completeKeys, arguments: completeArguments(lease.token)
        ).int == 1
    }

    /// Heartbeat for a long chunk: the lease now expires `leaseSeconds` after the server's
    /// current time. Returns the updated lease, or nil when it was lost (reclaimed) — the
    /// worker should then stop at the next batch boundary.
    public func extend(_ lease: ChunkLease, leaseSeconds: Double) async throws -> ChunkLease? {
        let reply = try await client.evalScript(
            FairQueueScripts.extend, keys: Self.arguments(keys.fairExtendKeys),
            arguments: [.init(lease.token), .init(Self.milliseconds(leaseSeconds))])
        guard let expires = reply.int else { return nil }
        var extended = lease
        extended.expiresAtMilliseconds = expires
        return extended
    }

    /// Requeues, at the front of their org's queue and with attempt + 1, the jobs of up to
    /// `limit` leases that expired on the server's clock (their workers died or hung).
    /// One script call; returns the requeued jobs. Run it periodically (scheduler, or
    /// every worker now and then: concurrent runs are safe).
    @discardableResult
    public func reclaimExpired(limit: Int = 1_000) async throws -> [ChunkJob] {
        let reply = try await client.evalScript(
            FairQueueScripts.reclaim,
            keys: Self.arguments(keys.fairReclaimKeys),
            arguments: [.init(keys.fairOrgQueuePrefix), .init(limit)])
        let jobs = (reply.array ?? []).compactMap { $0.string.flatMap(ChunkJob.init(orgAndPayload:)) }
        if !jobs.isEmpty {
            logger.info("requeued chunk jobs of expired leases", metadata: ["count": "\(jobs.count)"])
        }
        return jobs
    }

    /// Removes the queued (not leased) jobs of a canceled campaign; returns how many.
    /// One script call, O(length of the org's queue).
    @discardableResult
    public func clear(campaignID: UUID, orgID: UUID) async throws -> Int {
        try await client.evalScript(
            FairQueueScripts.clear,
            keys: Self.arguments(keys.fairClearKeys(orgID: orgID)),
            arguments: [.init(QueueKeys.id(orgID)), .init(QueueKeys.id(campaignID))]
        ).int ?? 0
    }

    /// Jobs waiting in one organization's queue (`LLEN`).
    public func depth(orgID: UUID) async throws -> Int {
        try await client.send(["LLEN", .init(keys.fairOrgQueue(orgID))]).int ?? 0
    }

    /// Jobs waiting in all queues (one read-only script call, O(orgs with work)).
    public func totalDepth() async throws -> Int {
        try await client.evalScript(
            FairQueueScripts.totalDepth, keys: Self.arguments(keys.fairTotalDepthKeys),
            arguments: [.init(keys.fairOrgQueuePrefix)]
        ).int ?? 0
    }

    /// The oldest waiting job of every organization with work, by organization id (one read-only
    /// script call, O(orgs with work)).
    public func heads() async throws -> [String: String] {
        let reply = try await client.evalScript(
            FairQueueScripts.heads, keys: Self.arguments(keys.fairTotalDepthKeys),
            arguments: [.init(keys.fairOrgQueuePrefix)])
        let items = (reply.array ?? []).compactMap(\.string)
        var heads: [String: String] = [:]
        for index in stride(from: 0, to: items.count - 1, by: 2) { heads[items[index]] = items[index + 1] }
        return heads
    }

    /// Jobs of one organization currently leased.
    public func inFlight(orgID: UUID) async throws -> Int {
        try await client.send(["HGET", .init(keys.fairInFlight), .init(QueueKeys.id(orgID))]).int ?? 0
    }

    /// True when another organization has jobs queued and fewer of them in flight than `orgID`: the
    /// fair pop would serve it next, so a sender loop that has held one of `orgID`'s chunks for a
    /// while should hand it back. Two reads (`HGET`, `ZRANGEBYSCORE … LIMIT 0 2`).
    public func othersWaiting(besides orgID: UUID) async throws -> Bool {
        let mine = try await inFlight(orgID: orgID)
        let waiting = try await client.send([
            "ZRANGEBYSCORE", .init(keys.fairReady), "-inf", .init("(\(mine)"), "LIMIT", "0", "2",
        ])
        let me = QueueKeys.id(orgID)
        return (waiting.array ?? []).contains { $0.string.map { $0 != me } ?? false }
    }

    /// Leases currently held across all organizations (`ZCARD`).
    public func leasedCount() async throws -> Int {
        try await client.send(["ZCARD", .init(keys.fairLeases)]).int ?? 0
    }

    /// True when a job for `job`'s (org, campaign, chunk) is queued or leased (any attempt).
    public func contains(_ job: ChunkJob) async throws -> Bool {
        let member = "\(QueueKeys.id(job.orgID)):\(QueueKeys.id(job.campaignID)):\(job.chunk)"
        return try await client.send(["SISMEMBER", .init(keys.fairMembers), .init(member)]).int == 1
    }

    private var completeKeys: [RedisArgument] { Self.arguments(keys.fairCompleteKeys) }

    private func completeArguments(_ token: String) -> [RedisArgument] {
        [.init(token), .init(keys.fairOrgQueuePrefix)]
    }

    /// Key names as script arguments.
    static func arguments(_ names: [String]) -> [RedisArgument] { names.map { RedisArgument($0) } }

    /// Whole milliseconds of `seconds`, at least 1.
    static func milliseconds(_ seconds: Double) -> Int { max(1, Saturating.int(seconds * 1000, nan: 1)) }
}
