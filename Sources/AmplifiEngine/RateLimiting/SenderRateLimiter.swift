import AmplifiMessaging
public import AmplifiRedis
public import Foundation
public import Logging
import Synchronization

/// The fleet-wide send rate of each sender number, in carrier **segments** per second:
/// a GCRA bucket per number in Redis, shared by every worker, with one `EVALSHA` per
/// batch and all times taken from the Redis server's clock.
///
/// ## Why "reserve" rather than "try to acquire"
///
/// A worker holds a batch whose segment counts it knows and wants to know *when* it may
/// send. ``reserve(orgID:senderID:segments:ratePerSecond:burst:maxWait:)`` always books
/// the batch's segments by pushing the number's theoretical arrival time (TAT) forward
/// and answers how long to wait. Compared with "grant now or retry later":
/// - reservations are served in arrival order (FIFO) across the fleet, so no worker
///   starves and none polls: one Lua call per batch, however busy the number is;
/// - the number runs at exactly its rate with any number of workers (they interleave
///   on one schedule instead of racing for freed tokens);
/// - a batch is never split: the pipeline's batch, its credit reservation and its
///   result write stay one unit. Pacing inside a batch is available through
///   ``RateReservation/delay(throughSegment:)``.
/// The cost: a reservation is spent even if the worker then does not send (crash,
/// pause); that only leaves the number under its rate for that span. `maxWait` bounds
/// how far ahead a worker books, so it can hand a chunk back instead of sleeping on it.
///
/// ## Backoff
///
/// ``backOff(orgID:senderID:for:)`` (carrier 429 / `Retry-After`, 5xx, sender queue
/// full) pauses the number for the whole fleet: every later reservation starts at
/// the pause's end at the earliest, and without a burst — segments resume at the
/// plain rate. Jitter is not needed: after the pause, reservations are spread by the
/// TAT, not stampeding. Reservations handed out *before* the backoff are not revoked;
/// a worker that then gets a 429 backs off again.
///
/// ## Keys
///
/// One HASH per number, ``key(orgID:senderID:)``, org-scoped (hash tag `{o:<org>}`) so
/// numbers spread over a Redis Cluster. It expires when both its TAT and its pause
/// have passed — an idle number leaves no key (an expired key and a past TAT mean the
/// same: a full bucket). Beside them, one key per organization without expiry, its rate
/// epoch: while it exists, a missing HASH means an idle number; when it is gone too, Redis
/// lost its data (`FLUSHALL`, a restart without persistence) while reservations made
/// before may still be going out, so the organization's numbers wait out one booking
/// horizon before they start again. A fleet-wide epoch key tells an organization that never
/// sent (Redis kept its data longer than a horizon: no wait) from one whose state was lost.
public struct SenderRateLimiter: Sendable {
    let client: RedisClient
    let keys: QueueKeys
    let logger: Logger
    /// Organizations whose rate epoch this limiter has already seen to (once each per process).
    let notedOrganizations = NotedOrganizations()

    /// A limiter over `client`, with key names under `keys`.
    public init(client: RedisClient, keys: QueueKeys = QueueKeys(), logger: Logger) {
        self.client = client
        self.keys = keys
        self.logger = logger
    }

    /// The Redis key of one sender number's bucket.
    public func key(orgID: UUID, senderID: UUID) -> String {
        keys.senderRate(orgID: orgID, senderID: senderID)
    }

    /// Reserves `segments` segments on sender number `senderID` (a phone number id) sending
    /// at `ratePerSecond` segments per second with a bucket of `burst` segments
    /// (default: one second's worth, at least 1), in one Lua call. Returns the reservation
    /// and how long to wait before sending, or — when `maxWait` is given and the batch
    /// would wait longer — `.wait` with nothing reserved. `maxWait` is also how far ahead every
    /// caller books, so after Redis lost its data (see ``SenderRateLimiterScripts/reserve``) the
    /// organization's numbers start again only once that long has passed, without a burst.
    /// `priority` books ahead of what is already booked (a reply a person wrote) and pushes the
    /// rest back by its segments.
    /// Throws ``EngineError`` (`VALIDATION_FAILED`) for a negative segment count, a
    /// non-positive rate or a burst below one segment, and Redis errors as they come.
    public func reserve(
        orgID: UUID, senderID: UUID, segments: Int, ratePerSecond: Double, burst: Double? = nil,
        maxWait: Duration? = nil, priority: Bool = false
    ) async throws -> RateDecision {
        guard segments >= 0 else {
            throw EngineError(.validationFailed, "Segment count must not be negative.", field: "segments")
        }
        guard ratePerSecond.isFinite, ratePerSecond > 0 else {
            throw EngineError(
                .validationFailed, "Sender rate must be a positive number of segments per second.",
                field: "ratePerSecond")
        }
        let burst = burst ?? max(1, ratePerSecond)
        guard burst.isFinite, burst >= 1 else {
            throw EngineError(.validationFailed, "Sender burst must be at least one segment.", field: "burst")
        }
        let interval = 1_000_000 / ratePerSecond
        // Nothing to book: no round-trip.
        if segments == 0 {
            return .reserved(
                RateReservation(
                    segments: 0, baseMicroseconds: 0, intervalMicroseconds: interval, serverTimeMicroseconds: 0))
        }
        let horizon = maxWait.map { max(0, Self.microseconds($0)) } ?? 0
        if horizon > 0 {
            try await notedOrganizations.note(orgID) { try await noteOrganization(orgID, horizon: horizon) }
        }
        let reply = try await client.evalScript(
            SenderRateLimiterScripts.reserve,
            keys: keys.senderReserveKeys(orgID: orgID, senderID: senderID).map { RedisArgument($0) },
            arguments: [
                .init(segments), .init(interval), .init(burst),
                .init(maxWait.map { max(0, Self.microseconds($0)) } ?? -1), .init(horizon), .init(priority ? 1 : 0),
            ])
        guard let fields = reply.array, fields.count == 3, let granted = fields[0].int, let value = fields[1].int,
            let now = fields[2].int
        else {
            throw RedisError(
                code: .protocolViolation, message: "rate limiter script returned an unexpected reply",
                command: "EVALSHA")
        }
        if granted == 1 {
            return .reserved(
                RateReservation(
                    segments: segments, baseMicroseconds: value, intervalMicroseconds: interval,
                    serverTimeMicroseconds: now))
        }
        return .wait(.microseconds(Int64(max(0, value))))
    }

    /// Pauses sender number `senderID` for the whole fleet for at least `duration`
    /// (carrier 429 / `Retry-After`, 5xx, sender queue full); a longer pause already in
    /// force is kept. Returns the pause now in force, on the Redis server's clock.
    @discardableResult
    public func backOff(orgID: UUID, senderID: UUID, for duration: Duration) async throws -> RateBackOff {
        let reply = try await client.evalScript(
            SenderRateLimiterScripts.backOff,
            keys: keys.senderBackOffKeys(orgID: orgID, senderID: senderID).map { RedisArgument($0) },
            arguments: [.init(max(0, Self.microseconds(duration)))])
        guard let fields = reply.array, fields.count == 2, let pauseEnd = fields[0].int, let now = fields[1].int
        else {
            throw RedisError(
                code: .protocolViolation, message: "rate limiter backoff script returned an unexpected reply",
                command: "EVALSHA")
        }
        let backOff = RateBackOff(serverTimeMicroseconds: now, pauseEndMicroseconds: pauseEnd)
        logger.info(
            "sender number backing off",
            metadata: ["org_id": .id(orgID), "sender_id": .id(senderID), "paused_for": "\(backOff.pausedFor)"])
        return backOff
    }

    /// Before this process first books for `orgID`: when Redis has kept its data for longer than
    /// `horizon` (``SenderRateLimiterScripts/noteFleetEpoch``), an organization without a rate
    /// epoch has never sent, so it gets one far in the past and its first reservation may burst.
    /// Two round trips, once per organization and process.
    func noteOrganization(_ orgID: UUID, horizon: Int) async throws {
        let kept = try await client.evalScript(
            SenderRateLimiterScripts.noteFleetEpoch, keys: [RedisArgument(keys.rateFleetEpoch)],
            arguments: [.init(horizon)])
        if kept.int == 1 {
            _ = try await client.send(["SET", .init(keys.rateEpoch(orgID: orgID)), "0", "NX"])
        }
    }

    /// Whole microseconds of `duration`, rounded up (a wait is never shortened).
    static func microseconds(_ duration: Duration) -> Int {
        Int(Saturating.count(duration, unitsPerSecond: 1_000_000, roundingUp: true))
    }
}

/// The organizations a ``SenderRateLimiter`` has noted (see `noteOrganization`), shared by its copies.
///
/// Concurrent first reservations of one organization wait for the one note in flight: a
/// reservation that went ahead of it would find no epoch and treat the organization's state as
/// lost (a needless wait of one horizon). A note that failed is forgotten, so the next call retries.
final class NotedOrganizations: Sendable {
    private let notes = Mutex<[UUID: Task<Void, any Error>]>([:])

    /// Runs `note` once per organization (the first caller's), and waits for it in every caller.
    func note(_ orgID: UUID, _ note: @escaping @Sendable () async throws -> Void) async throws {
        let task = notes.withLock { notes in
            if let running = notes[orgID] { return running }
            let task = Task { try await note() }
            notes[orgID] = task
            return task
        }
        do {
            try await task.value
        } catch {
            notes.withLock { notes in
                if notes[orgID] == task { notes[orgID] = nil }
            }
            throw error
        }
    }
}
