import AmplifiCarriers
import AmplifiMessaging
import Foundation
import Synchronization

/// The simulator's memory: every accepted message, indexes by sid and recipient, and the counters
/// behind `/sim/stats`. One lock; every operation is short.
///
/// Grows with every accepted message (see `SimulatedMessage` for the size): fine for demos of up
/// to about a million messages, which is what the simulator is for.
final class SimulatedMessageStore: Sendable {
    /// Everything behind the lock.
    private struct State {
        var messages: [SimulatedMessage] = []
        var bySID: [String: Int] = [:]
        var byTo: [String: [Int]] = [:]
        var acceptedKeys: Set<SimulatedSendKey> = []
        var refused = 0
        var refusedByCode: [String: Int] = [:]
        var duplicates = 0
        var callbacksSent = 0
        var callbacksFailed = 0
        var callbacksDropped = 0
        var inboundSent = 0
        var createRequests: UInt64 = 0
        var lateAnswers = 0
        var cutAnswers = 0
        var createsInProgress = 0
        var peakCreatesInProgress = 0
        var concurrencyRejections = 0
    }

    private let state = Mutex(State())
    /// One timeline step, in seconds (for messages that follow the clock).
    private let stepDelay: TimeInterval

    /// A store whose clock-driven messages advance one step per `stepDelay`.
    init(stepDelay: Duration) {
        let (seconds, attoseconds) = stepDelay.components
        self.stepDelay = Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Records an accepted message, built by `make` from its index; counts a repeat of (to, body).
    func insert(key: SimulatedSendKey, _ make: (Int) -> SimulatedMessage) -> SimulatedMessage {
        state.withLock { state in
            let message = make(state.messages.count)
            state.messages.append(message)
            state.bySID[message.sid] = message.index
            state.byTo[message.to, default: []].append(message.index)
            if !state.acceptedKeys.insert(key).inserted { state.duplicates += 1 }
            return message
        }
    }

    /// The arrival number of a new create request (0, 1, 2, …), the draw of its transport fate.
    func nextCreateRequest() -> UInt64 {
        state.withLock { state in
            defer { state.createRequests += 1 }
            return state.createRequests
        }
    }

    /// Admits one create request into processing unless `limit` (> 0) are in processing already;
    /// nil when admitted (call `endCreate()` once it is answered), else how many are in processing
    /// (the request is counted as a concurrency rejection). `limit` 0 admits every request.
    func beginCreate(limit: Int) -> Int? {
        state.withLock { state in
            if limit > 0, state.createsInProgress >= limit {
                state.concurrencyRejections += 1
                return state.createsInProgress
            }
            state.createsInProgress += 1
            state.peakCreatesInProgress = max(state.peakCreatesInProgress, state.createsInProgress)
            return nil
        }
    }

    /// A create admitted by `beginCreate(limit:)` has been answered.
    func endCreate() {
        state.withLock { $0.createsInProgress -= 1 }
    }

    /// Counts a created message whose answer is held back (`late`) or cut off.
    func recordTransportFault(late: Bool) {
        state.withLock { state in
            if late { state.lateAnswers += 1 } else { state.cutAnswers += 1 }
        }
    }

    /// Every accepted message as first created, in creation order: the carrier's own log.
    func createdLog() -> [CarrierSimulatorLogEntry] {
        state.withLock { state in
            state.messages.map { message in
                CarrierSimulatorLogEntry(
                    sid: message.sid, to: message.to, from: message.from, body: message.body,
                    segments: message.segments, statusCallback: message.statusCallback, receivedAt: message.receivedAt,
                    createdAt: message.createdAt)
            }
        }
    }

    /// Counts a refused create request by its error code.
    func recordRefusal(code: String) {
        state.withLock { state in
            state.refused += 1
            state.refusedByCode[code, default: 0] += 1
        }
    }

    /// The message with `sid` as it is now, or nil.
    func message(sid: String) -> SimulatedMessage? {
        let now = Date()
        return state.withLock { state in
            state.bySID[sid].map { state.messages[$0].current(at: now, stepDelay: stepDelay) }
        }
    }

    /// The message at `index` as it is now.
    func message(index: Int) -> SimulatedMessage {
        let now = Date()
        return state.withLock { $0.messages[index].current(at: now, stepDelay: stepDelay) }
    }

    /// Moves message `index` forward to `status` (a callback is being posted); returns it.
    func advance(index: Int, to status: DeliveryStatus) -> SimulatedMessage {
        let now = Date()
        return state.withLock { state in
            state.messages[index].advance(to: status, at: now)
            return state.messages[index]
        }
    }

    /// A callback step of message `index` could not be queued: count it, and let the message's
    /// status follow the clock from now on (the carrier's status moves on even when callbacks are lost).
    func callbackDropped(index: Int) {
        state.withLock { state in
            state.callbacksDropped += 1
            state.messages[index].followsClock = true
        }
    }

    /// Counts one callback post of message `index` that was answered 2xx (`delivered: true`) or
    /// given up on; from a given-up post on, the message's status follows the clock.
    func recordCallback(index: Int, delivered: Bool) {
        state.withLock { state in
            if delivered {
                state.callbacksSent += 1
            } else {
                state.callbacksFailed += 1
                state.messages[index].followsClock = true
            }
        }
    }

    /// Counts one inbound webhook posted.
    func recordInbound() {
        state.withLock { $0.inboundSent += 1 }
    }

    /// One page of `query`'s matches, newest first, starting below `query.pageToken`; the token of
    /// the next page when more match.
    func list(_ query: MessageListQuery) -> (messages: [SimulatedMessage], nextToken: Int?) {
        let now = Date()
        return state.withLock { state in
            var found: [SimulatedMessage] = []
            found.reserveCapacity(min(query.pageSize, 64))
            var nextToken: Int?
            // Candidates in ascending index order: the recipient's list, or every message.
            func scan(_ indices: some BidirectionalCollection<Int>) {
                for index in indices.reversed() {
                    if let below = query.pageToken, index >= below { continue }
                    let message = state.messages[index]
                    guard query.matches(message) else { continue }
                    if found.count == query.pageSize {
                        nextToken = found[found.count - 1].index
                        return
                    }
                    found.append(message.current(at: now, stepDelay: stepDelay))
                }
            }
            if let to = query.to {
                let indices = state.byTo[to] ?? []
                // Skip straight to the token's position: the recipient's list is ascending.
                let end = query.pageToken.map { token in Self.lowerBound(of: token, in: indices) } ?? indices.count
                scan(indices[..<end])
            } else {
                let end = min(query.pageToken ?? state.messages.count, state.messages.count)
                scan(0..<end)
            }
            return (found, nextToken)
        }
    }

    /// The first position in ascending `indices` whose value is at least `value`.
    private static func lowerBound(of value: Int, in indices: [Int]) -> Int {
        var low = 0
        var high = indices.count
        while low < high {
            let middle = (low + high) / 2
            if indices[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The counters and the current status of every message.
    func stats() -> CarrierSimulatorStats {
        let now = Date()
        return state.withLock { state in
            var byStatus: [String: Int] = [:]
            for message in state.messages {
                byStatus[message.current(at: now, stepDelay: stepDelay).status.rawValue, default: 0] += 1
            }
            return CarrierSimulatorStats(
                created: state.messages.count, refused: state.refused, refusedByCode: state.refusedByCode,
                duplicates: state.duplicates, callbacksSent: state.callbacksSent,
                callbacksFailed: state.callbacksFailed, callbacksDropped: state.callbacksDropped,
                inboundSent: state.inboundSent, byStatus: byStatus, lateAnswers: state.lateAnswers,
                cutAnswers: state.cutAnswers, concurrencyRejections: state.concurrencyRejections,
                peakConcurrentCreates: state.peakCreatesInProgress)
        }
    }
}
