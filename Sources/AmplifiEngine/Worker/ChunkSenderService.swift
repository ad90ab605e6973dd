public import AmplifiCarriers
public import AmplifiPostgres
public import AmplifiRedis
import Foundation
public import Logging
public import ServiceLifecycle

/// The sending half of `amplifi worker`: `loops` concurrent sender loops, each taking chunk jobs from
/// the fair queue (a lease each) and handing them to a ``ChunkSender``; now and then a loop returns
/// the jobs of workers whose leases expired to the queue.
///
/// Shutdown: the loops are one service, so a graceful shutdown reaches all of them at once. Each
/// stops at its next claim boundary (a claim in flight stops launching messages, puts back what it
/// did not hand to the carrier and records the rest), hands its chunk lease back (the job is queued
/// again) and returns. Past the process's drain bound the service group cancels the loops; the claim
/// in flight still writes its rows (shielded), so nothing is left `sending`.
public struct ChunkSenderService: Service {
    let sender: ChunkSender
    let queue: FairChunkQueue
    let workerID: String
    let loops: Int
    let leaseSeconds: Double
    let idleWait: Duration
    let logger: Logger

    /// `loops` sender loops (at least one) over Postgres, Redis and `carrier`; loop i is named
    /// `<workerID>/<i>` in claims and leases.
    public init(
        client: PostgresClient, redis: RedisClient, carrier: any Carrier, keys: QueueKeys = QueueKeys(),
        configuration: ChunkSenderConfiguration, loops: Int = 1, idleWait: Duration = .milliseconds(200),
        logger: Logger = Logger(label: "amplifi.sender")
    ) {
        let queue = FairChunkQueue(client: redis, keys: keys, logger: logger)
        self.queue = queue
        self.sender = ChunkSender(
            client: client, queue: queue, rateLimiter: SenderRateLimiter(client: redis, keys: keys, logger: logger),
            carrier: carrier, configuration: configuration, logger: logger)
        self.workerID = configuration.workerID
        self.loops = max(1, loops)
        self.leaseSeconds = configuration.leaseSeconds
        self.idleWait = idleWait
        self.logger = logger
        EngineMetrics.registerSenderSeries()
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<loops {
                let name = loops == 1 ? workerID : "\(workerID)/\(index)"
                group.addTask { await runLoop(name: name, reclaims: index == 0) }
            }
        }
    }

    /// One sender loop under `name` (the claimant of its rows and leases).
    func runLoop(name: String, reclaims: Bool) async {
        let sender = self.sender.named(name)
        var rounds = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if reclaims, rounds % 25 == 0 { _ = try await queue.reclaimExpired() }
                rounds += 1
                guard let lease = try await queue.pop(worker: name, leaseSeconds: leaseSeconds) else {
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: idleWait) }
                    continue
                }
                let outcome = try await sender.process(lease.job, lease: lease)
                EngineMetrics.chunk(outcome.metricName)
                logger.debug(
                    "chunk processed",
                    metadata: [
                        "campaign_id": .id(lease.job.campaignID), "chunk": "\(lease.job.chunk)",
                        "outcome": "\(outcome)",
                    ])
            } catch is CancellationError {
                return
            } catch {
                logger.error("sending failed; retrying", metadata: ["worker": "\(name)", "error": "\(error)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            }
        }
    }
}
