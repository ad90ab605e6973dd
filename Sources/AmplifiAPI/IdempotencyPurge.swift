public import AmplifiEngine
public import Logging
public import ServiceLifecycle

/// Forgets `Idempotency-Key`s past their 24 hours, every `interval` (any number of API replicas may
/// run it at once).
public struct IdempotencyPurge: Service {
    let store: IdempotencyStore
    let interval: Duration
    let logger: Logger

    public init(store: IdempotencyStore, interval: Duration = .seconds(3_600), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let purged = try await store.purgeExpired()
                    if purged > 0 { logger.info("idempotency keys forgotten", metadata: ["keys": "\(purged)"]) }
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("idempotency purge failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
