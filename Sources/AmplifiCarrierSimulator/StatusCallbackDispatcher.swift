import AmplifiCarriers
import Foundation
import Logging
import ServiceLifecycle

/// Posts every accepted message's status callbacks, one step per `callbackDelay`, as a `Service`.
///
/// Steps wait in one bounded FIFO (a step that does not fit is dropped and counted, and that
/// message's status then follows the clock); a single loop takes them when due and posts at most
/// `maxConcurrentCallbacks` at once. Enqueuing never blocks, so a create request never waits on a
/// callback. Each post moves the message's status forward first, so a fetch after a callback
/// arrived sees at least that status. A message's callbacks are posted one after another (in
/// plan order); once one is given up on, the message's status follows the clock, like a real
/// carrier's: a receiver that is down misses callbacks, and the statuses are still there to fetch
/// (what backfill relies on).
final class StatusCallbackDispatcher: Service, Sendable {
    /// One callback step of one message.
    struct Step: Sendable {
        /// The message's index in the store.
        let index: Int
        /// The position in the plan's `callbacks`.
        let position: Int
        /// When it may be posted.
        let due: ContinuousClock.Instant
    }

    private let store: SimulatedMessageStore
    private let poster: SignedWebhookPoster
    private let accountSID: String
    private let delay: Duration
    private let maxConcurrent: Int
    private let steps: AsyncStream<Step>
    private let continuation: AsyncStream<Step>.Continuation
    private let logger: Logger

    /// A dispatcher for `store`'s messages, posting through `poster`.
    init(
        store: SimulatedMessageStore, poster: SignedWebhookPoster, configuration: CarrierSimulatorConfiguration,
        logger: Logger
    ) {
        self.store = store
        self.poster = poster
        self.accountSID = configuration.accountSID
        self.delay = configuration.callbackDelay
        self.maxConcurrent = configuration.maxConcurrentCallbacks
        (steps, continuation) = AsyncStream.makeStream(
            of: Step.self, bufferingPolicy: .bufferingOldest(configuration.callbackQueueCapacity))
        self.logger = logger
    }

    /// Schedules the first callback of message `index` one delay from now.
    func start(index: Int) {
        enqueue(Step(index: index, position: 0, due: .now + delay))
    }

    /// Queues `step`, or drops and counts it when the queue is full or closed.
    private func enqueue(_ step: Step) {
        switch continuation.yield(step) {
        case .enqueued: break
        case .dropped, .terminated: store.callbackDropped(index: step.index)
        @unknown default: store.callbackDropped(index: step.index)
        }
    }

    /// Posts due steps until graceful shutdown (steps still queued then are abandoned).
    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                var inFlight = 0
                for await step in self.steps {
                    if step.due > .now {
                        do { try await Task.sleep(until: step.due) } catch { break }
                    }
                    if inFlight >= self.maxConcurrent {
                        await group.next()
                        inFlight -= 1
                    }
                    inFlight += 1
                    group.addTask { await self.post(step) }
                }
                group.cancelAll()
            }
        }
        continuation.finish()
    }

    /// Posts one step, then schedules the message's next one.
    private func post(_ step: Step) async {
        let current = store.message(index: step.index)
        let callbacks = current.plan.callbacks
        let status = callbacks[step.position]
        let message = store.advance(index: step.index, to: status)
        if let url = message.statusCallback {
            var fields: [(key: String, value: String)] = [
                ("AccountSid", accountSID), ("ApiVersion", "2010-04-01"), ("From", message.from),
                ("MessageSid", message.sid), ("MessageStatus", status.rawValue), ("SmsSid", message.sid),
                ("SmsStatus", status.rawValue), ("To", message.to),
            ]
            if let service = message.messagingServiceSID { fields.append(("MessagingServiceSid", service)) }
            if status == message.plan.finalStatus, let code = message.plan.errorCode {
                fields.append(("ErrorCode", String(code)))
            }
            let answer = await poster.post(url: url, fields: fields)
            let delivered = answer.map { (200..<300).contains($0) } ?? false
            store.recordCallback(index: step.index, delivered: delivered)
            if !delivered {
                logger.debug(
                    "status callback not accepted", metadata: ["status": "\(answer.map(String.init) ?? "none")"])
            }
        }
        if step.position + 1 < callbacks.count {
            enqueue(Step(index: step.index, position: step.position + 1, due: .now + delay))
        }
    }
}
