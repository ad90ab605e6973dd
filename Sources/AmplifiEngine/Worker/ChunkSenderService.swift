public import AmplifiCarriers
public import AmplifiPostgres
public import AmplifiRedis
import Foundation
public import Logging
public import ServiceLifecycle

/// The sending half of `amplifi worker`: takes chunk jobs from the fair queue (a
/// lease each) and hands them to a ``ChunkSender``; now and then returns the jobs of
/// workers whose leases expired to the queue. On graceful shutdown it stops taking
/// jobs and finishes the chunk in hand (ChunkSender stops at a batch boundary when
/// the campaign is paused or canceled).
public struct ChunkSenderService: Service {
    let sender: ChunkSender
    let queue: FairChunkQueue
    let workerID: String
    let leaseSeconds: Double
    let idleWait: Duration
    let logger: Logger

    public init(
        client: PostgresClient, redis: RedisClient, carrier: any Carrier, keys: QueueKeys = QueueKeys(),
        configuration: ChunkSenderConfiguration, idleWait: Duration = .milliseconds(200),
        logger: Logger = Logger(label: "amplifi.sender")
    ) {
        let queue = FairChunkQueue(client: redis, keys: keys, logger: logger)
        self.queue = queue
        self.sender = ChunkSender(
            client: client, queue: queue, rateLimiter: SenderRateLimiter(client: redis, keys: keys, logger: logger),
            carrier: carrier, configuration: configuration, logger: logger)
        self.workerID = configuration.workerID
        self.leaseSeconds = configuration.leaseSeconds
        self.idleWait = idleWait
        self.logger = logger
    }

    public func run() async throws {
        var rounds = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if rounds % 25 == 0 { _ = try await queue.reclaimExpired() }
                rounds += 1
                guard let lease = try await queue.pop(worker: workerID, leaseSeconds: leaseSeconds) else {
                    try await Task.sleep(for: idleWait)
                    continue
                }
                let outcome = try await sender.process(lease.job, lease: lease)
                logger.debug(
                    "chunk processed",
                    metadata: ["campaign_id": "\(lease.job.campaignID)", "chunk": "\(lease.job.chunk)", "outcome": "\(outcome)"])
            } catch is CancellationError {
                return
            } catch {
                logger.error("sending failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
