import AmplifiMessaging
public import AmplifiPostgres
public import AmplifiRedis
import Foundation
public import Logging
public import ServiceLifecycle

/// The planning half of `amplifi worker`: takes admitted campaigns from the
/// admission stream, expands their audience into `campaign_messages`, emits one
/// chunk job per page with sendable rows, and moves the campaign to `sending`.
///
/// Crash safety: the stream entry is acknowledged only after the campaign left
/// `queued`; an entry held by a dead worker is reclaimed (XAUTOCLAIM) after
/// `leaseTimeout`, and the rerun continues where the planner stopped (planning is
/// idempotent). A per-campaign advisory lock keeps two planners off the same
/// campaign when an admission is duplicated or reclaimed from a planner that is
/// merely slow; the entry stays unacknowledged until the campaign has left
/// `queued`, so it can never be lost to a planner that dies later. On graceful shutdown the worker stops
/// taking admissions and finishes the campaign in hand.
///
/// Failures (``PlanningFailure``): one that planning again cannot cure (the filter no longer parses,
/// no sender number) moves the campaign `queued → failed` with a `status_reason` naming the cause,
/// acknowledges the admission and so frees the organization's slot; one that passes (Postgres or
/// Redis down or restarting) is retried with exponential backoff (``retryBackoff``) and never fails
/// the campaign.
public struct CampaignPlannerService: Service {
    /// Identifies this worker in the stream's consumer group and in logs.
    public let workerID: String
    /// Contacts per page = per chunk job.
    public var chunkSize: Int
    /// How long an admission may stay unacknowledged before another worker takes it.
    public var leaseTimeout: Duration
    /// Waits between attempts after a transient failure (1 s doubling to 30 s by default).
    public var retryBackoff = RetryBackoff()
    /// Attempts at one admission before it is left unacknowledged for a later reclaim (so one
    /// campaign that keeps failing transiently does not hold this planner).
    public var attemptsPerAdmission = 8
    let client: PostgresClient
    let admissions: AdmissionQueue
    let chunks: FairChunkQueue
    let planner: AudiencePlanner
    let campaigns: CampaignStore
    let logger: Logger

    /// Advisory lock namespace for "a planner is working on this campaign".
    static let planningLockSpace: Int32 = 0x616d_7002

    public init(
        client: PostgresClient, redis: RedisClient, keys: QueueKeys = QueueKeys(), workerID: String,
        chunkSize: Int = 1_000, leaseTimeout: Duration = .seconds(60), logger: Logger = Logger(label: "amplifi.planner")
    ) {
        self.workerID = workerID
        self.chunkSize = chunkSize
        self.leaseTimeout = leaseTimeout
        self.client = client
        self.admissions = AdmissionQueue(client: redis, keys: keys, logger: logger)
        self.chunks = FairChunkQueue(client: redis, keys: keys, logger: logger)
        self.planner = AudiencePlanner(client: client, logger: logger)
        self.campaigns = CampaignStore(client: client, logger: logger)
        self.logger = logger
    }

    public func run() async throws {
        // A wrong --chunk-size is this worker's mistake: stop here rather than fail campaigns for it.
        try AudiencePlanner.validate(chunkSize: chunkSize)
        var backoff = retryBackoff
        var grouped = false
        var idleRounds = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if !grouped {
                    try await admissions.ensureGroup()
                    grouped = true
                }
                if idleRounds % 10 == 0 {
                    for admission in try await admissions.reclaimAbandoned(consumer: workerID, minIdle: leaseTimeout) {
                        try await handle(admission)
                    }
                }
                if let admission = try await admissions.claimNext(consumer: workerID, block: .seconds(1)) {
                    try await handle(admission)
                    idleRounds = 0
                } else {
                    idleRounds += 1
                }
                backoff.reset()
            } catch is CancellationError {
                return
            } catch {
                let wait = backoff.next()
                logger.error(
                    "planning failed (Postgres or Redis unavailable?); retrying",
                    metadata: ["error": "\(error)", "retry_in": "\(wait)"])
                try? await Task.sleep(for: wait)
            }
        }
    }

    /// Plans one admission, retrying transient failures with backoff up to ``attemptsPerAdmission``
    /// times (then rethrows: the admission stays unacknowledged and is reclaimed later). A permanent
    /// failure fails the campaign (``fail(_:reason:)``) instead of throwing.
    public func handle(_ admission: Admission) async throws {
        try AudiencePlanner.validate(chunkSize: chunkSize)
        var backoff = retryBackoff
        while true {
            do {
                try await plan(admission)
                return
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                switch PlanningFailure.classify(error) {
                case .permanent(let reason):
                    try await fail(admission, reason: reason)
                    return
                case .transient:
                    guard backoff.failures + 1 < attemptsPerAdmission, !Task.isShuttingDownGracefully else {
                        throw error
                    }
                    let wait = backoff.next()
                    logger.warning(
                        "planning failed for a reason that should pass; retrying",
                        metadata: [
                            "campaign_id": .id(admission.campaignID), "org_id": .id(admission.orgID),
                            "error": "\(error)", "retry_in": "\(wait)",
                        ])
                    try await Task.sleep(for: wait)
                }
            }
        }
    }

    /// A permanent planning failure: `queued → failed` with `reason` (only from `queued`: a campaign
    /// paused or canceled meanwhile keeps that status), then the admission is acknowledged. Leaving
    /// `queued` frees the organization's admission slot.
    func fail(_ admission: Admission, reason: String) async throws {
        let outcome = try await campaigns.transition(
            campaignID: admission.campaignID, orgID: admission.orgID, to: .failed, reason: reason, from: [.queued])
        logger.error(
            "campaign planning failed for good",
            metadata: [
                "campaign_id": .id(admission.campaignID), "org_id": .id(admission.orgID), "reason": "\(reason)",
                "failed": "\(outcome == .won)",
            ])
        _ = try await admissions.acknowledge(admission)
    }

    /// Plans one admitted campaign (or acknowledges a stale/duplicate admission).
    public func plan(_ admission: Admission) async throws {
        let metadata: Logger.Metadata = [
            "campaign_id": .id(admission.campaignID), "org_id": .id(admission.orgID), "worker_id": "\(workerID)",
        ]
        guard
            let done = try await client.withAdvisoryLockIfFree(
                space: Self.planningLockSpace, key: admission.campaignID.uuidString,
                { try await planLocked(admission, metadata: metadata) })
        else {
            // Another planner holds the campaign. Leave this entry unacknowledged: if that planner
            // dies, the entry is reclaimed and the campaign planned; if it finishes, the next
            // delivery finds the campaign no longer queued and acknowledges it.
            logger.info("campaign is being planned by another worker", metadata: metadata)
            return
        }
        if done { _ = try await admissions.acknowledge(admission) }
    }

    private func planLocked(_ admission: Admission, metadata: Logger.Metadata) async throws -> Bool {
        guard let campaign = try await campaigns.fetch(campaignID: admission.campaignID, orgID: admission.orgID) else {
            logger.warning("admitted campaign not found; dropping the admission", metadata: metadata)
            return true
        }
        guard campaign.status == .queued else {
            // Already planned (duplicate admission), or paused/canceled since: nothing to do.
            return true
        }
        if campaign.fromPhoneNumberID == nil {
            try await requireDefaultSender(orgID: admission.orgID)
        }
        let summary = try await planner.expand(
            campaignID: admission.campaignID, orgID: admission.orgID, chunkSize: chunkSize)
        let jobs = summary.sendableChunks.map {
            ChunkJob(campaignID: admission.campaignID, orgID: admission.orgID, chunk: $0)
        }
        _ = try await chunks.push(jobs: jobs)
        let outcome = try await campaigns.transition(
            campaignID: admission.campaignID, orgID: admission.orgID, to: .sending)
        var log = metadata
        log["audience"] = "\(summary.audienceCount)"
        log["skipped"] = "\(summary.skippedCount)"
        log["chunks"] = "\(jobs.count)"
        logger.info("campaign planned", metadata: log)
        EngineMetrics.planned(rows: summary.audienceCount)
        if outcome.won && summary.pendingCount == 0 && summary.heldCount == 0 {
            // Nothing to push. Complete only through the workers' guarded statement: a resumed campaign
            // may still have rows deferred by quiet hours or in flight, and then it stays `sending`.
            _ = try await SendBatchStore(client: client).completeIfDone(
                campaignID: admission.campaignID, orgID: admission.orgID)
        }
        return true
    }

    /// Whether the organization has a default number (asked only for a campaign without a sender).
    static func defaultSenderQuery(orgID: UUID) -> PostgresQuery {
        "SELECT EXISTS (SELECT 1 FROM phone_numbers WHERE org_id = \(orgID) AND is_default)"
    }

    /// Throws `NO_FROM_NUMBER` when the organization has no default number to send from.
    func requireDefaultSender(orgID: UUID) async throws {
        guard try await client.query(Self.defaultSenderQuery(orgID: orgID))[0].decode(Bool.self, at: 0) else {
            throw EngineError(
                .noFromNumber,
                "the campaign names no sender number and its organization has no default number; add one "
                    + "(amplifi phone-number add --default), then create the campaign again",
                field: "fromPhoneNumberId")
        }
    }
}
