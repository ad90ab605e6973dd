public import AmplifiPostgres
public import AmplifiRedis
import Foundation
public import Logging
public import ServiceLifecycle

/// `amplifi scheduler`: every tick promotes due scheduled campaigns, admits
/// pending ones (publishing them to the admission stream) and picks A/B winners
/// whose window has passed; every few ticks it releases quiet-hours-deferred rows
/// whose window opened, reconciles Redis from Postgres and marks rows claimed by
/// dead workers `unknown` (never resent blindly). Safe to run several at once (see
/// ``CampaignAdmissions``). Stops at the next tick on graceful shutdown.
public struct SchedulerService: Service {
    /// How often to promote and admit (promotion happens within this of `scheduledFor`).
    public var tick: Duration
    /// Reconcile every this many ticks.
    public var reconcileEvery: Int
    /// How long a claimed row may stay `sending` before the sweeper marks it `unknown`;
    /// far longer than any batch takes (claim → carrier → record).
    public var claimLease: Duration
    let admissions: CampaignAdmissions
    let reconciler: QueueReconciler
    let gauges: FleetGauges
    let sweeper: StaleClaimSweeper
    let abDecider: ABWinnerDecider
    let deferred: DeferredRelease
    let logger: Logger

    public init(
        client: PostgresClient, redis: RedisClient, keys: QueueKeys = QueueKeys(), tick: Duration = .milliseconds(500),
        reconcileEvery: Int = 20, claimLease: Duration = StaleClaimSweeper.defaultLease,
        requeueQueuedAfter: Duration = .seconds(120), logger: Logger = Logger(label: "amplifi.scheduler")
    ) {
        self.tick = tick
        self.reconcileEvery = reconcileEvery
        self.claimLease = claimLease
        self.sweeper = StaleClaimSweeper(client: client, logger: logger)
        self.abDecider = ABWinnerDecider(client: client, redis: redis, keys: keys, logger: logger)
        self.deferred = DeferredRelease(client: client, redis: redis, keys: keys, logger: logger)
        self.admissions = CampaignAdmissions(client: client)
        self.reconciler = QueueReconciler(
            client: client, redis: redis, keys: keys, requeueAfter: requeueQueuedAfter, logger: logger)
        self.gauges = FleetGauges(client: client, chunks: reconciler.chunks, admissions: reconciler.admissions)
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            var count = 0
            while !Task.isCancelled {
                do {
                    try await runOnce(reconcile: count % reconcileEvery == 0)
                } catch is CancellationError {
                    return
                } catch {
                    // A database or Redis outage: log, wait a tick, try again.
                    logger.error("scheduler tick failed", metadata: ["error": "\(error)"])
                }
                count += 1
                try await Task.sleep(for: tick)
            }
        }
    }

    /// One tick: promote, admit + publish, decide due A/B winners, and optionally
    /// reconcile Redis and sweep stale claims.
    public func runOnce(reconcile: Bool) async throws {
        let promoted = try await admissions.promoteDue()
        let admitted = try await admissions.admitPending()
        try await reconciler.publish(admitted)
        if !promoted.isEmpty || !admitted.isEmpty {
            logger.info("scheduler tick", metadata: ["promoted": "\(promoted.count)", "admitted": "\(admitted.count)"])
        }
        _ = try await abDecider.decideDue()
        if reconcile {
            try await deferred.releaseDue()
            try await reconciler.reconcile()
            try await sweeper.sweep(olderThan: claimLease)
            try await gauges.refresh()
        }
    }
}
