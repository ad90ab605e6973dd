import AmplifiEngine
import Logging
import ServiceLifecycle

/// The receiver's background loop: applies staged status reports once their messages are recorded,
/// and sends auto-replies left pending by a crash.
struct ReceiverMaintenance: Service {
    let applier: DeliveryStatusApplier
    let inbound: InboundMessageHandler
    let metrics: ReceiverMetrics
    let stagedInterval: Duration
    let replyInterval: Duration
    let logger: Logger

    /// Staged reports retried per pass.
    static let stagedLimit = 1_000
    /// Pending auto-replies retried per pass.
    static let replyLimit = 100
    /// How long a reply may stay `sending` before its sender is presumed dead.
    static let sendingLease: Duration = .seconds(300)

    func run() async throws {
        var sinceReplies = Duration.zero
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let summary = try await applier.applyStaged(limit: Self.stagedLimit)
                metrics.stagedApplied(summary.applied)
                if sinceReplies >= replyInterval {
                    sinceReplies = .zero
                    let sent = try await inbound.sendPendingReplies(olderThan: replyInterval, limit: Self.replyLimit)
                    if sent > 0 { logger.info("pending auto-replies sent", metadata: ["replies": "\(sent)"]) }
                    // A reply claimed by a process that died at the carrier: unknown, never resent.
                    let expired = try await inbound.expireStaleReplies(olderThan: Self.sendingLease)
                    if expired > 0 {
                        logger.warning("auto-replies left sending marked unknown", metadata: ["replies": "\(expired)"])
                    }
                }
            } catch {
                logger.error("receiver maintenance failed; retrying", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: stagedInterval) }
            sinceReplies += stagedInterval
        }
    }
}
