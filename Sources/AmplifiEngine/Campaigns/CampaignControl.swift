public import AmplifiMessaging
public import AmplifiPostgres
public import AmplifiRedis
public import Foundation
public import Logging

/// Ops control of a campaign that is on its way out: pause, resume, cancel
/// (`amplifi campaign pause|resume|cancel ID`).
///
/// Postgres is the only switch. Workers re-read the campaign's status before every batch
/// (``ChunkSender``), so a pause or cancel takes effect at the next batch boundary of every
/// chunk in flight — at most one batch per worker goes out after the command returns. No
/// Redis pause flag is kept: it would only save that one status read per batch, and a second
/// source of truth could disagree with the first after a Redis flush.
///
/// - pause: guarded `pending|queued|sending → paused`. Chunk jobs left in the fair queue are
///   popped and completed without work by the workers (they see `paused`).
/// - resume: guarded `paused → pending` (the lifecycle's only way back). The scheduler admits
///   it again (`pending → queued`), the planner re-plans idempotently (`ON CONFLICT DO NOTHING`,
///   nobody planned twice) and pushes only the chunks that still have `pending` rows, then
///   moves it to `sending`. Rows already sent are not `pending`, so nobody is sent twice and
///   nobody is skipped. `deferred` rows (quiet hours) are left alone: the scheduler releases
///   them when their window opens.
/// - cancel: guarded `… → canceled` (final) and, in the same transaction, every unsent row
///   (`pending`, `held`, `deferred`) becomes `canceled`; then the campaign's queued chunk jobs
///   are removed from Redis. Rows in `sending`/`unknown` belong to a batch in flight; its
///   worker records their results. No credits are refunded because none are held: credits are
///   reserved per batch just before it is sent.
public struct CampaignControl: Sendable {
    /// What an ops command did.
    public struct Outcome: Sendable, Equatable {
        /// The campaign's status after the command.
        public var status: CampaignStatus
        /// Messages moved to `canceled` (cancel only).
        public var canceledMessages: Int
        /// Chunk jobs removed from the fair queue (cancel only).
        public var clearedJobs: Int

        /// A result; counts default to zero.
        public init(status: CampaignStatus, canceledMessages: Int = 0, clearedJobs: Int = 0) {
            self.status = status
            self.canceledMessages = canceledMessages
            self.clearedJobs = clearedJobs
        }
    }

    /// The database (source of truth for the status every worker checks).
    public let client: PostgresClient
    let store: CampaignStore
    let queue: FairChunkQueue
    let logger: Logger

    /// Control over `client` (Postgres) and the fair chunk queue on `redis` under `keys`.
    public init(
        client: PostgresClient, redis: RedisClient, keys: QueueKeys = QueueKeys(),
        logger: Logger = Logger(label: "amplifi.campaigns")
    ) {
        self.client = client
        self.store = CampaignStore(client: client, logger: logger)
        self.queue = FairChunkQueue(client: redis, keys: keys, logger: logger)
        self.logger = logger
    }

    // MARK: - SQL

    /// Cancel's sweep of the unsent rows, run in the transaction that just moved the campaign to
    /// `canceled`. It walks the partial open-rows index (`campaign_id, status`), so its cost is the
    /// campaign's unfinished rows, never its history. A row a worker is claiming right now is
    /// row-locked: this statement waits for the claim, re-checks the row (READ COMMITTED), finds
    /// it `sending` and leaves it to that worker — a row is either canceled or sent, never both.
    static func cancelMessagesQuery(campaignID: UUID, orgID: UUID) -> PostgresQuery {
        """
        UPDATE campaign_messages SET status = 'canceled', defer_until = NULL, status_updated_at = now()
        WHERE campaign_id = \(campaignID) AND org_id = \(orgID) AND status IN ('pending', 'held', 'deferred')
        """
    }

    // MARK: - Commands

    /// Pauses a `pending`, `queued` or `sending` campaign (workers stop at their next batch
    /// boundary). Throws `INVALID_TRANSITION` naming the current status, or `NOT_FOUND`.
    @discardableResult
    public func pause(campaignID: UUID, orgID: UUID, reason: String = "paused_by_ops") async throws -> Outcome {
        try await store.requireTransition(campaignID: campaignID, orgID: orgID, to: .paused, reason: reason)
        return Outcome(status: .paused)
    }

    /// Resumes a `paused` campaign: back to `pending` with its reason cleared, to be re-admitted by
    /// the scheduler and continued where it stopped. Throws `INVALID_TRANSITION` or `NOT_FOUND`.
    @discardableResult
    public func resume(campaignID: UUID, orgID: UUID) async throws -> Outcome {
        try await store.requireTransition(campaignID: campaignID, orgID: orgID, to: .pending, reason: nil)
        return Outcome(status: .pending)
    }

    /// Cancels the campaign for good: status `canceled` and its unsent rows `canceled` in one
    /// transaction, then its queued chunk jobs cleared. Throws `INVALID_TRANSITION` (already
    /// final) or `NOT_FOUND`.
    @discardableResult
    public func cancel(campaignID: UUID, orgID: UUID, reason: String = "canceled_by_ops") async throws -> Outcome {
        let canceled: Int? = try await client.withTransaction { connection in
            let changed = try await connection.query(
                CampaignStore.transitionQuery(campaignID: campaignID, orgID: orgID, to: .canceled, reason: reason))
            guard changed.affectedRows == 1 else { return nil }
            return try await connection.query(Self.cancelMessagesQuery(campaignID: campaignID, orgID: orgID))
                .affectedRows
        }
        guard let canceled else {
            throw try await lostError(campaignID: campaignID, orgID: orgID, to: .canceled)
        }
        // After the commit: a job pushed meanwhile (reconciler) only finds a canceled campaign.
        // Best effort: the cancel is committed; a job left behind (Redis unreachable) is popped and
        // completed without work by a worker, which reads `canceled`.
        var cleared = 0
        do {
            cleared = try await queue.clear(campaignID: campaignID, orgID: orgID)
        } catch {
            logger.warning(
                "campaign canceled but its queued chunk jobs could not be cleared; workers will drop them",
                metadata: ["campaign_id": .id(campaignID), "error": "\(error)"])
        }
        logger.info(
            "campaign canceled",
            metadata: [
                "campaign_id": .id(campaignID), "org_id": .id(orgID),
                "canceled_messages": "\(canceled)", "cleared_jobs": "\(cleared)",
            ])
        return Outcome(status: .canceled, canceledMessages: canceled, clearedJobs: cleared)
    }

    /// Why a guarded transition changed nothing, with the store's wording: `INVALID_TRANSITION`
    /// naming the status now, or `NOT_FOUND` when the campaign is not in this organization.
    func lostError(campaignID: UUID, orgID: UUID, to target: CampaignStatus) async throws -> EngineError {
        let row = try await client.query(CampaignStore.statusQuery(campaignID: campaignID, orgID: orgID)).first
        let outcome: CampaignTransitionOutcome =
            try row.flatMap { CampaignStatus(rawValue: try $0.decode(String.self, at: 0)) }.map { .lost(current: $0) }
            ?? .notFound
        return outcome.error(campaignID: campaignID, to: target)
            ?? EngineError(.invalidTransition, "the campaign's status changed meanwhile; try again", field: "status")
    }
}
