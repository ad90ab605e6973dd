public import AmplifiRedis
public import Foundation
public import Logging

/// The admission stream: campaigns moved `pending → queued` wait here for a worker
/// to plan them (expand the audience into `campaign_messages`, emit chunk jobs).
///
/// It is a Redis stream (``QueueKeys/admissionStream``) read through the consumer
/// group `planners`: each entry goes to one worker, stays pending until that worker
/// acknowledges it, and is handed to another worker by ``reclaimAbandoned(consumer:minIdle:count:)``
/// when the first one died (stopped acknowledging) for longer than the lease timeout.
///
/// Delivery is at-least-once and **duplicate admissions of the same campaign are
/// harmless by design**: planning is idempotent in Postgres (`INSERT … ON CONFLICT
/// DO NOTHING` on `UNIQUE(campaign_id, contact_id)`, guarded status transitions), so a
/// campaign published twice, reclaimed while its first planner was merely slow, or
/// re-published by the scheduler's reconciler after Redis lost the stream, is planned
/// once in effect. That is also why the stream may be trimmed (`MAXLEN ~`) and why a
/// Redis flush loses nothing: the scheduler re-publishes every campaign Postgres still
/// shows as `queued` without planned chunks.
public struct AdmissionQueue: Sendable {
    /// The Redis client (pooled; blocking reads hold one connection while they wait).
    public let client: RedisClient
    /// Key names.
    public let keys: QueueKeys
    /// Approximate cap on the stream length (`XADD … MAXLEN ~ n`).
    public let maxLength: Int
    let logger: Logger

    /// An admission queue on `client` under `keys`, trimmed to about `maxLength` entries.
    public init(client: RedisClient, keys: QueueKeys = QueueKeys(), maxLength: Int = 100_000, logger: Logger) {
        self.client = client
        self.keys = keys
        self.maxLength = maxLength
        self.logger = logger
    }

    /// Creates the stream and its `planners` group when missing (safe to call from
    /// every process at start-up). The group starts at `0`, so admissions published
    /// before any worker ran are read too.
    public func ensureGroup() async throws {
        try await client.xgroupCreate(stream: keys.admissionStream, group: keys.admissionGroup, startID: "0")
    }

    /// Publishes an admission for `campaignID` (`XADD` with `MAXLEN ~` trimming); returns
    /// the entry id. Publishing the same campaign twice is harmless (see the type's comment).
    @discardableResult
    public func publish(campaignID: UUID, orgID: UUID) async throws -> String {
        try await client.xadd(
            stream: keys.admissionStream,
            fields: [("campaign", .init(QueueKeys.id(campaignID))), ("org", .init(QueueKeys.id(orgID)))],
            maxLength: maxLength)
    }

    /// Reads the next new admission for `consumer`, waiting up to `block` for one
    /// (`XREADGROUP … COUNT 1 BLOCK`); nil when none arrived in time. The admission stays
    /// pending until ``acknowledge(_:)``. Recreates the group if Redis lost it (restart or
    /// flush). An entry that cannot be parsed is acknowledged, logged and skipped (nil).
    public func claimNext(consumer: String, block: Duration = .seconds(5)) async throws -> Admission? {
        let entries: [RedisStreamEntry]?
        do {
            entries = try await read(consumer: consumer, block: block)
        } catch let error as RedisError where error.hasPrefix("NOGROUP") {
            try await ensureGroup()
            entries = try await read(consumer: consumer, block: block)
        }
        guard let entry = entries?.first else { return nil }
        guard let admission = try await parse(entry) else { return nil }
        return admission
    }

    /// Acknowledges a planned admission (`XACK`); returns false when it was no longer
    /// pending (already acknowledged, or the stream was lost).
    @discardableResult
    public func acknowledge(_ admission: Admission) async throws -> Bool {
        do {
            return try await client.xack(
                stream: keys.admissionStream, group: keys.admissionGroup, ids: [admission.entryID]) == 1
        } catch let error as RedisError where error.hasPrefix("NOGROUP") {
            return false
        }
    }

    /// Takes over up to `count` admissions that another consumer read but has not
    /// acknowledged for at least `minIdle` (it died or hung): `XAUTOCLAIM` from the start
    /// of the pending list. They are now pending for `consumer`, which plans and
    /// acknowledges them as usual. Entries trimmed away meanwhile are dropped (the
    /// scheduler's reconciler re-publishes their campaigns).
    public func reclaimAbandoned(consumer: String, minIdle: Duration, count: Int = 10) async throws -> [Admission] {
        let claim: RedisStreamClaim
        do {
            claim = try await client.xautoclaim(
                stream: keys.admissionStream, group: keys.admissionGroup, consumer: consumer, minIdle: minIdle,
                count: count)
        } catch let error as RedisError where error.hasPrefix("NOGROUP") {
            try await ensureGroup()
            return []
        }
        var admissions: [Admission] = []
        for entry in claim.entries {
            if let admission = try await parse(entry) { admissions.append(admission) }
        }
        if !admissions.isEmpty {
            logger.info(
                "reclaimed abandoned admissions", metadata: ["count": "\(admissions.count)", "consumer": "\(consumer)"])
        }
        return admissions
    }

    /// How many admissions are read but not yet acknowledged (`XPENDING` summary).
    public func pendingCount() async throws -> Int {
        do {
            return try await client.xpending(stream: keys.admissionStream, group: keys.admissionGroup).count
        } catch let error as RedisError where error.hasPrefix("NOGROUP") {
            return 0
        }
    }

    /// The stream length (`XLEN`): read and unread entries not yet trimmed.
    public func length() async throws -> Int {
        try await client.send(["XLEN", .init(keys.admissionStream)]).int ?? 0
    }

    private func read(consumer: String, block: Duration) async throws -> [RedisStreamEntry]? {
        try await client.xreadgroup(
            group: keys.admissionGroup, consumer: consumer, stream: keys.admissionStream, count: 1, block: block)
    }

    /// The admission in `entry`, or nil (after acknowledging it) when it is deleted or malformed.
    private func parse(_ entry: RedisStreamEntry) async throws -> Admission? {
        if let campaign = entry.string("campaign").flatMap(UUID.init(uuidString:)),
            let org = entry.string("org").flatMap(UUID.init(uuidString:))
        {
            return Admission(entryID: entry.id, campaignID: campaign, orgID: org)
        }
        logger.warning("dropping malformed admission entry", metadata: ["entry": "\(entry.id)"])
        try await client.xack(stream: keys.admissionStream, group: keys.admissionGroup, ids: [entry.id])
        return nil
    }
}
