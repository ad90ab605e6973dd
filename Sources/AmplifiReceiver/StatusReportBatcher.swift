public import AmplifiEngine
public import Logging
public import ServiceLifecycle

/// Group commit for status callbacks: each callback waits until the batch holding it is applied
/// (one statement for up to `maxBatch` reports), so the receiver answers within milliseconds yet
/// acknowledges only what is committed — a crash never loses an acknowledged callback.
///
/// When a batch fails for a reason that belongs to its data (`isRowError`: a value the database
/// refuses, not a connection problem), the batch is applied again row by row, so one bad report
/// loses only itself (its caller gets ``RowRefused``) and every other report of the batch is stored.
///
/// Runs as a `Service`: on graceful shutdown it applies what it holds, then refuses new reports.
public actor StatusReportBatcher: Service {
    /// Why a report was not accepted.
    public enum Refusal: Error, Sendable {
        /// More reports are waiting than `maxQueued`: the database is behind. Answer 503.
        case overloaded
        /// The receiver is shutting down. Answer 503.
        case shuttingDown
    }

    /// A report the database refused on its own, after its batch failed and was applied row by row.
    public struct RowRefused: Error, Sendable {
        /// The database's error for this report alone.
        public let underlying: any Error
    }

    private let apply: @Sendable ([DeliveryEvent]) async throws -> Void
    private let isRowError: @Sendable (any Error) -> Bool
    private let maxBatch: Int
    private let maxDelay: Duration
    private let maxQueued: Int
    private let logger: Logger

    private var buffer: [DeliveryEvent] = []
    private var waiters: [CheckedContinuation<Void, any Error>] = []
    /// The run loop parked until the first report of the next batch arrives.
    private var idle: CheckedContinuation<Void, Never>?
    private var closed = false

    /// A batcher that hands each batch to `apply` (one database round trip per call); a batch that
    /// fails with an error `isRowError` accepts is applied again one report at a time.
    public init(
        maxBatch: Int, maxDelay: Duration, maxQueued: Int, logger: Logger,
        isRowError: @escaping @Sendable (any Error) -> Bool = { _ in true },
        apply: @escaping @Sendable ([DeliveryEvent]) async throws -> Void
    ) {
        self.apply = apply
        self.isRowError = isRowError
        self.maxBatch = max(1, maxBatch)
        self.maxDelay = maxDelay
        self.maxQueued = max(self.maxBatch, maxQueued)
        self.logger = logger
    }

    /// Queues `event` and returns once its batch is committed; throws the batch's error, or a `Refusal`.
    public func submit(_ event: DeliveryEvent) async throws {
        if closed { throw Refusal.shuttingDown }
        if buffer.count >= maxQueued { throw Refusal.overloaded }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            buffer.append(event)
            waiters.append(continuation)
            if let idle {
                self.idle = nil
                idle.resume()
            }
        }
    }

    /// Reports waiting for the next batch.
    public var queued: Int { buffer.count }

    /// Applies batches until graceful shutdown, then drains what is left.
    public func run() async throws {
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                await waitForWork()
                if closed { break }
                // Group commit: the first report is applied at once; reports that arrive while a
                // batch is in flight form the next batch. `maxDelay` > 0 trades latency for larger
                // batches at low load.
                if maxDelay > .zero && buffer.count < maxBatch {
                    try? await Task.sleep(for: maxDelay)
                }
                await flush()
            }
        } onGracefulShutdown: {
            Task { await self.close() }
        }
        closed = true
        while !buffer.isEmpty { await flush() }
    }

    /// Stops accepting and wakes the run loop so it can drain.
    private func close() {
        closed = true
        if let idle {
            self.idle = nil
            idle.resume()
        }
    }

    /// Returns at once when reports are waiting, else parks until one arrives (or shutdown).
    private func waitForWork() async {
        if !buffer.isEmpty || closed { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in idle = continuation }
        } onCancel: {
            Task { await self.close() }
        }
    }

    /// Applies up to `maxBatch` waiting reports and answers their callers.
    private func flush() async {
        guard !buffer.isEmpty else { return }
        let count = min(maxBatch, buffer.count)
        let events = Array(buffer.prefix(count))
        let callers = Array(waiters.prefix(count))
        buffer.removeFirst(count)
        waiters.removeFirst(count)
        do {
            try await apply(events)
            for caller in callers { caller.resume() }
        } catch  where count > 1 && isRowError(error) {
            logger.warning("status batch refused; applying its reports one by one", metadata: ["reports": "\(count)"])
            await applyOneByOne(events, callers)
        } catch {
            logger.error("status batch not applied", metadata: ["reports": "\(count)", "error": "\(error)"])
            for caller in callers { caller.resume(throwing: error) }
        }
    }

    /// Applies each report alone: the ones the database takes are acknowledged, a refused one
    /// fails alone with ``RowRefused`` (a connection problem fails it as is: the carrier retries).
    private func applyOneByOne(_ events: [DeliveryEvent], _ callers: [CheckedContinuation<Void, any Error>]) async {
        var refused = 0
        for (event, caller) in zip(events, callers) {
            do {
                try await apply([event])
                caller.resume()
            } catch  where isRowError(error) {
                refused += 1
                logger.error(
                    "status report refused by the database and dropped",
                    metadata: ["message_id": "\(event.messageID.map(String.init) ?? "none")", "error": "\(error)"])
                caller.resume(throwing: RowRefused(underlying: error))
            } catch {
                caller.resume(throwing: error)
            }
        }
        if refused > 0 {
            logger.warning(
                "status batch applied row by row", metadata: ["reports": "\(events.count)", "refused": "\(refused)"])
        }
    }
}
