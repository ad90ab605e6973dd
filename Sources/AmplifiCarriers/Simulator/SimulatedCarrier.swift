public import AmplifiMessaging
public import Foundation
public import Logging
import Synchronization

/// An in-process carrier that answers like Twilio: `SM…` sids, injected latency, 429s, failures and
/// ambiguous answers (created, but reported as a timeout), repeatable from a seed, with a log of
/// everything it was sent.
///
/// Cheap enough for throughput benchmarks: one lock per batch, no per-message allocation beyond the
/// result and its sid, and no suspension at all with `.none` latency.
public final class SimulatedCarrier: Carrier {
    /// Mutable state, behind one lock taken once per batch.
    private struct State {
        var random: SplitMix64
        var sequence: UInt64 = 0
        var log: [SimulatedSend] = []
    }

    /// Per-message facts computed outside the lock.
    private struct Prepared {
        var bodyHash: UInt64
        var stickyDraw: UInt64
        var contentDraw: UInt64
        var segments: Int
    }

    /// The configuration it was made with.
    public let configuration: SimulatedCarrierConfiguration
    /// The first half of every sid's hex: identifies this instance. Random, not derived
    /// from the seed: two simulators (two worker processes) with the same seed must never
    /// hand out the same sid, which the message store keeps unique.
    private let sidTag: UInt64
    /// Thresholds: a 64-bit draw below one means that outcome.
    private let rateLimitBelow: UInt64
    private let transientBelow: UInt64
    private let ambiguousBelow: UInt64
    private let permanentBelow: UInt64
    private let optedOutBelow: UInt64
    private let contentBelow: UInt64
    private let state: Mutex<State>
    /// The 429 this simulator answers with (its `Retry-After` comes from the configuration).
    private let rateLimited: CarrierError
    private let logger: Logger

    /// The price the simulator bills per segment, in micros (Twilio's US SMS example: $0.0075).
    public static let priceMicrosPerSegment: Int64 = 7_500

    /// A simulator with `configuration`, logging batch summaries (never numbers or bodies) at trace level.
    public init(configuration: SimulatedCarrierConfiguration = SimulatedCarrierConfiguration(), logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.sidTag = UInt64.random(in: .min ... .max)
        self.rateLimitBelow = Self.threshold(configuration.rateLimitRate)
        self.transientBelow = Self.threshold(configuration.rateLimitRate + configuration.transientFailureRate)
        self.ambiguousBelow = Self.threshold(
            configuration.rateLimitRate + configuration.transientFailureRate + configuration.ambiguousRate)
        self.permanentBelow = Self.threshold(configuration.permanentFailureRate)
        self.optedOutBelow = Self.threshold(configuration.permanentFailureRate + configuration.optedOutRate)
        self.contentBelow = Self.threshold(configuration.contentFilterRate)
        self.state = Mutex(State(random: SplitMix64(seed: configuration.seed)))
        self.rateLimited = CarrierError(
            twilioCode: 20429, httpStatus: 429, retryAfter: configuration.rateLimitRetryAfter)
    }

    /// Answers every message of the batch, in order.
    public func send(_ batch: [OutboundMessage]) async -> [SendResult] {
        guard !batch.isEmpty else { return [] }
        let seed = configuration.seed
        // Hashing and segment counting happen outside the lock.
        var prepared: [Prepared] = []
        prepared.reserveCapacity(batch.count)
        for message in batch {
            let toHash = StableHash.hash(bytes: message.to.e164.utf8)
            let bodyHash = StableHash.hash(bytes: message.body.utf8)
            var sticky = SplitMix64(seed: seed ^ toHash)
            var content = SplitMix64(seed: seed ^ toHash ^ (bodyHash &* 0x9E37_79B9_7F4A_7C15))
            let segments = message.mediaURL == nil ? MessageSegmenter.count(message.body).segments : 1
            prepared.append(
                Prepared(
                    bodyHash: bodyHash, stickyDraw: sticky.next(), contentDraw: content.next(),
                    segments: max(segments, 1)))
        }

        var results: [SendResult] = []
        results.reserveCapacity(batch.count)
        let latency = configuration.latency
        let recordsLog = configuration.recordsLog
        let receivedAt = Date()
        let delay: Duration = state.withLock { state in
            var slowest = Duration.zero
            if recordsLog { state.log.reserveCapacity(state.log.count + batch.count) }
            for (position, message) in batch.enumerated() {
                let facts = prepared[position]
                let attemptDraw = state.random.next()
                switch latency {
                case .none: break
                case .fixed(let duration): slowest = duration
                case .range(let range):
                    let low = Self.nanoseconds(range.lowerBound)
                    let span = UInt64(max(0, Self.nanoseconds(range.upperBound) - low)) + 1
                    let drawn = Duration.nanoseconds(low + Int64(state.random.next() % span))
                    if drawn > slowest { slowest = drawn }
                }
                let sequence = state.sequence
                state.sequence &+= 1
                let result: SendResult
                let refusal = outcome(attemptDraw: attemptDraw, facts: facts)
                // Created either way unless refused; an ambiguous answer hides the creation from the sender.
                let answerLost = refusal == nil && attemptDraw < ambiguousBelow
                if let refusal {
                    result = .failed(refusal)
                } else if answerLost {
                    result = .failed(.responseTimeout)
                } else {
                    result = .accepted(
                        providerMessageID: Self.sid(tag: sidTag, sequence: sequence), status: .queued,
                        segments: facts.segments, priceMicros: nil)
                }
                if recordsLog {
                    state.log.append(
                        SimulatedSend(
                            messageID: message.id, from: message.from, to: message.to, receivedAt: receivedAt,
                            bodyHash: facts.bodyHash, body: message.body,
                            segments: facts.segments, errorCode: refusal?.code, answerLost: answerLost))
                }
                results.append(result)
            }
            return slowest
        }
        logger.trace("simulated carrier batch", metadata: ["messages": "\(batch.count)"])
        if delay > .zero {
            try? await Task.sleep(for: delay)
        }
        return results
    }

    /// The error for one attempt, or nil when it is accepted.
    @inline(__always)
    private func outcome(attemptDraw: UInt64, facts: Prepared) -> CarrierError? {
        if attemptDraw < rateLimitBelow { return rateLimited }
        if attemptDraw < transientBelow { return Self.unreachable }
        if facts.stickyDraw < permanentBelow { return Self.invalidNumber }
        if facts.stickyDraw < optedOutBelow { return Self.optedOut }
        if facts.contentDraw < contentBelow { return Self.filtered }
        return nil
    }

    /// Built once: the errors the simulator answers with.
    private static let unreachable = CarrierError(twilioCode: 30003, httpStatus: 400)
    private static let invalidNumber = CarrierError(twilioCode: 21211, httpStatus: 400)
    private static let optedOut = CarrierError(twilioCode: 21610, httpStatus: 400)
    private static let filtered = CarrierError(twilioCode: 30007, httpStatus: 400)

    /// The status of a message this simulator accepted: `delivered`, billed per segment; nil for a sid
    /// it did not issue.
    public func fetch(providerMessageID: String) async throws -> CarrierStatusReport? {
        guard let (tag, sequence) = Self.parseSID(providerMessageID), tag == sidTag else { return nil }
        let entry: SimulatedSend?? = state.withLock { state in
            guard sequence < state.sequence else { return .some(nil) }
            guard configuration.recordsLog else { return .none }
            return .some(state.log[Int(sequence)])
        }
        switch entry {
        case .some(nil): return nil
        case .some(let send?):
            guard send.accepted else { return nil }
            return CarrierStatusReport(
                providerMessageID: providerMessageID, status: .delivered, segments: send.segments,
                priceMicros: Int64(send.segments) * Self.priceMicrosPerSegment)
        case .none:
            return CarrierStatusReport(providerMessageID: providerMessageID, status: .delivered)
        }
    }

    /// The accepted messages to `to` received on or after the UTC day of `since` (ambiguous ones
    /// included: they exist), newest first, all `delivered`, with their bodies; empty unless the
    /// simulator keeps its log (`recordsLog`).
    public func listMessages(to: PhoneNumber, sentOnOrAfter since: Date) async throws -> [CarrierMessage] {
        let day = Self.utcDayStart(since)
        let tag = sidTag
        return state.withLock { state in
            var found: [CarrierMessage] = []
            for (sequence, send) in state.log.enumerated().reversed()
            where send.accepted && send.to == to && send.receivedAt >= day {
                let sid = Self.sid(tag: tag, sequence: UInt64(sequence))
                found.append(
                    CarrierMessage(
                        report: CarrierStatusReport(
                            providerMessageID: sid, status: .delivered, segments: send.segments,
                            priceMicros: Int64(send.segments) * Self.priceMicrosPerSegment),
                        to: send.to.e164, from: send.from.e164, dateCreated: send.receivedAt, body: send.body))
            }
            return found
        }
    }

    /// A line type decided by the number alone (stable across runs): about 85% mobile, 10% landline,
    /// 5% non-fixed VoIP.
    public func lookupLineType(_ phone: PhoneNumber) async throws -> LineType? {
        Self.simulatedLineType(phone)
    }

    /// The simulator's line type for `phone`: a hash of the number, so every simulator agrees.
    public static func simulatedLineType(_ phone: PhoneNumber) -> LineType {
        switch StableHash.hash(bytes: phone.e164.utf8) % 100 {
        case 0..<85: .mobile
        case 85..<95: .landline
        default: .nonFixedVoip
        }
    }

    /// Midnight UTC of `date`'s day (Twilio's `DateSent>=` filter is by day).
    static func utcDayStart(_ date: Date) -> Date {
        let seconds = date.timeIntervalSince1970
        return Date(timeIntervalSince1970: (seconds / 86_400).rounded(.down) * 86_400)
    }

    /// A copy of the send log: every attempt, in the order received.
    public func sendLog() -> [SimulatedSend] {
        state.withLock { $0.log }
    }

    /// How many messages (accepted or not) the simulator has been handed.
    public var attemptCount: Int {
        state.withLock { Int($0.sequence) }
    }

    /// Accepted sends per (recipient, body): every value must be 1 for "each contact at most once".
    public func acceptedCounts() -> [SimulatedSendKey: Int] {
        state.withLock { state in
            var counts: [SimulatedSendKey: Int] = [:]
            for send in state.log where send.accepted { counts[send.key, default: 0] += 1 }
            return counts
        }
    }

    /// The (recipient, body) pairs accepted more than once.
    public func duplicateDeliveries() -> [SimulatedSendKey] {
        acceptedCounts().filter { $0.value > 1 }.map(\.key)
    }

    /// The draw threshold for probability `rate`.
    private static func threshold(_ rate: Double) -> UInt64 {
        guard rate > 0 else { return 0 }
        guard rate < 1 else { return .max }
        return UInt64(rate * 18_446_744_073_709_551_616.0)
    }

    /// A duration in whole nanoseconds.
    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Lower-case hex digits.
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `SM` + 16 hex of the instance tag + 16 hex of the sequence number (34 characters, as Twilio's).
    static func sid(tag: UInt64, sequence: UInt64) -> String {
        String(unsafeUninitializedCapacity: 34) { buffer in
            buffer[0] = UInt8(ascii: "S")
            buffer[1] = UInt8(ascii: "M")
            for index in 0..<16 {
                buffer[2 + index] = hexDigits[Int((tag >> UInt64(60 - 4 * index)) & 0xF)]
                buffer[18 + index] = hexDigits[Int((sequence >> UInt64(60 - 4 * index)) & 0xF)]
            }
            return 34
        }
    }

    /// The (tag, sequence) of a sid made by `sid(tag:sequence:)`.
    static func parseSID(_ sid: String) -> (UInt64, UInt64)? {
        let bytes = Array(sid.utf8)
        guard bytes.count == 34, bytes[0] == UInt8(ascii: "S"), bytes[1] == UInt8(ascii: "M") else { return nil }
        var tag: UInt64 = 0
        var sequence: UInt64 = 0
        for index in 0..<16 {
            guard let high = hexValue(bytes[2 + index]), let low = hexValue(bytes[18 + index]) else { return nil }
            tag = tag << 4 | high
            sequence = sequence << 4 | low
        }
        return (tag, sequence)
    }

    /// The value of a hex digit, or nil.
    private static func hexValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt64(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
