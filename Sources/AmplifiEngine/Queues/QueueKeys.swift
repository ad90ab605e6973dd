public import Foundation

/// Every Redis key name of the dispatch engine's coordination plane, in one place,
/// under one configurable prefix (`amplifi:` in production; tests pass
/// `TestRedis.shared.keyPrefix()` so they never collide).
///
/// ## Redis Cluster and hash tags
///
/// Standalone Redis and Sentinel need nothing special. On Redis Cluster every key a
/// Lua script touches must live in the same hash slot, so key names carry hash tags:
///
/// - The fair chunk queue's keys all share the tag `{fq}` (`amplifi:{fq}:ready`,
///   `amplifi:{fq}:org:<org>`, …). Its `pop` script chooses *which* organization to
///   serve, so it reads the ready set, the chosen org's list, the in-flight counts
///   and the leases of several organizations in one atomic step: those cannot be
///   spread over slots. The trade-off: the whole fair queue lives on one shard, whose
///   throughput (tens of thousands of script calls per second) caps chunk *hand-outs*,
///   not messages — a chunk carries hundreds of messages, so this is far above what
///   the carriers accept. Past that, run several fair queues (several prefixes, e.g.
///   one per region or a hash of the org) each on its own shard. The pop script also
///   builds the chosen org's list key from a prefix instead of declaring it in
///   `KEYS` (it cannot know the org beforehand); that is correct on one node and on
///   Cluster because the shared `{fq}` tag keeps it in the declared keys' slot.
/// - The admission stream is one key (`amplifi:{adm}:campaigns`); its commands touch
///   nothing else. The reconciler's admitted set and republish markers share its `{adm}`
///   tag (each command touches one key, so this only keeps the admission plane together).
/// - The concurrency budget of one carrier account (``carrierAccount(_:_:)``) is tagged
///   `{ca:<account>}`: its lease script reads and writes all of the account's keys at once.
/// - Keys that belong to one organization and are never read together with another
///   org's (rate-limiter buckets of its numbers, pause flags of its campaigns) should
///   use ``orgScoped(_:_:)``, which tags them `{o:<org>}` so organizations spread over
///   the shards while a script about one org still sees all of that org's keys.
///
/// The prefix must not contain `{` or `}`: Redis Cluster hashes the first `{…}` of a key, so
/// a brace in the prefix would take the place of the tags above.
///
/// Every script call's `KEYS` list is built here too (``fairPushKeys(orgID:)`` …), by the
/// same functions the callers use, so a test can check that each call's keys share one slot
/// (`RedisClusterKeyLayoutTests`).
public struct QueueKeys: Sendable, Hashable {
    /// The prefix of every key (`amplifi:`).
    public let prefix: String

    /// Keys under `prefix` (default `amplifi:`).
    public init(prefix: String = "amplifi:") {
        self.prefix = prefix
    }

    // MARK: Admission stream

    /// The admission stream: one entry per campaign admitted for planning.
    public var admissionStream: String { prefix + "{adm}:campaigns" }

    /// The consumer group of the planners reading ``admissionStream``.
    public var admissionGroup: String { "planners" }

    /// SET of the campaign ids whose admission was published (the reconciler's memory).
    public var admittedSet: String { prefix + "{adm}:admitted" }

    /// Marker that a stale queued campaign was republished recently (`SET NX PX`).
    public func requeuedMarker(_ campaignID: UUID) -> String { prefix + "{adm}:requeued:" + QueueKeys.id(campaignID) }

    // MARK: Fair chunk queue (all tagged `{fq}`: one slot, see the type's comment)

    /// ZSET of organizations that have queued chunk jobs, scored by their in-flight
    /// (leased) job count. Invariant: an org is a member iff its job list is non-empty.
    public var fairReady: String { prefix + "{fq}:ready" }

    /// HASH org → number of jobs leased and not yet completed or reclaimed.
    public var fairInFlight: String { prefix + "{fq}:inflight" }

    /// ZSET lease token → lease expiry in Redis server milliseconds.
    public var fairLeases: String { prefix + "{fq}:leases" }

    /// HASH lease token → `"<org> <job>"`, the job a lease holds.
    public var fairLeaseJobs: String { prefix + "{fq}:leasejobs" }

    /// SET of `"<org>:<campaign>:<chunk>"` for every job queued or leased: makes
    /// `push` idempotent (the reconciler may push a chunk again at no harm).
    public var fairMembers: String { prefix + "{fq}:members" }

    /// SET of `"<org>:<campaign>:<chunk>"` pushed again while already queued or leased: a job
    /// completed with its identity here is queued once more, so rows made pending while a worker
    /// held the chunk (an A/B winner released, a resume, a put-back) are not left to a reconciler.
    public var fairPushedAgain: String { prefix + "{fq}:again" }

    /// Counter for round-robin turns among equally active orgs and lease tokens.
    public var fairTurn: String { prefix + "{fq}:turn" }

    /// The prefix of the per-organization job lists (the org id follows).
    public var fairOrgQueuePrefix: String { prefix + "{fq}:org:" }

    /// LIST of one organization's waiting chunk jobs, oldest first.
    public func fairOrgQueue(_ orgID: UUID) -> String { fairOrgQueuePrefix + QueueKeys.id(orgID) }

    // MARK: Per-organization keys for other components

    /// The GCRA bucket of one sender number (``SenderRateLimiter``), in its organization's slot.
    public func senderRate(orgID: UUID, senderID: UUID) -> String {
        orgScoped(orgID, "rate:" + QueueKeys.id(senderID))
    }

    /// When the fleet's rate state last started (``SenderRateLimiterScripts/noteFleetEpoch``): present
    /// and older than a booking horizon, Redis has kept its data at least that long.
    public var rateFleetEpoch: String { prefix + "rate-epoch" }

    /// When one organization's rate state last started (``SenderRateLimiterScripts/reserve``):
    /// its absence tells a Redis that lost its data from an idle one.
    public func rateEpoch(orgID: UUID) -> String { orgScoped(orgID, "rate-epoch") }

    /// A key owned by one organization, hash-tagged `{o:<org>}` so that on Redis
    /// Cluster one org's keys share a slot (a script about one org may touch them
    /// all) while different orgs spread over the shards.
    public func orgScoped(_ orgID: UUID, _ name: String) -> String {
        prefix + "{o:" + QueueKeys.id(orgID) + "}:" + name
    }

    // MARK: KEYS of each script call, in the order the script reads them

    /// ``FairQueueScripts/push`` for one organization's jobs: ready, inflight, members, org list, again.
    public func fairPushKeys(orgID: UUID) -> [String] {
        [fairReady, fairInFlight, fairMembers, fairOrgQueue(orgID), fairPushedAgain]
    }

    /// ``FairQueueScripts/pop``: ready, inflight, leases, leasejobs, turn, again. The script also
    /// opens the chosen org's list, `fairOrgQueuePrefix + <org>` (passed as ARGV[1]).
    public var fairPopKeys: [String] {
        [fairReady, fairInFlight, fairLeases, fairLeaseJobs, fairTurn, fairPushedAgain]
    }

    /// ``FairQueueScripts/complete``: ready, inflight, leases, leasejobs, members, again; the script
    /// also pushes to the org list built from `fairOrgQueuePrefix` (ARGV[2]).
    public var fairCompleteKeys: [String] {
        [fairReady, fairInFlight, fairLeases, fairLeaseJobs, fairMembers, fairPushedAgain]
    }

    /// ``FairQueueScripts/extend``: leases.
    public var fairExtendKeys: [String] { [fairLeases] }

    /// ``FairQueueScripts/reclaim``: ready, inflight, leases, leasejobs; the script also pushes to
    /// org lists built from `fairOrgQueuePrefix` (ARGV[1]).
    public var fairReclaimKeys: [String] { [fairReady, fairInFlight, fairLeases, fairLeaseJobs] }

    /// ``FairQueueScripts/clear`` for one organization: ready, members, org list.
    public func fairClearKeys(orgID: UUID) -> [String] { [fairReady, fairMembers, fairOrgQueue(orgID)] }

    /// ``FairQueueScripts/totalDepth``: ready; the script also reads the org lists built from
    /// `fairOrgQueuePrefix` (ARGV[1]).
    public var fairTotalDepthKeys: [String] { [fairReady] }

    /// ``SenderRateLimiterScripts/reserve``: the number's bucket, the organization's rate epoch.
    public func senderReserveKeys(orgID: UUID, senderID: UUID) -> [String] {
        [senderRate(orgID: orgID, senderID: senderID), rateEpoch(orgID: orgID)]
    }

    /// ``SenderRateLimiterScripts/backOff``: the number's bucket.
    public func senderBackOffKeys(orgID: UUID, senderID: UUID) -> [String] {
        [senderRate(orgID: orgID, senderID: senderID)]
    }

    // MARK: Carrier accounts

    /// A key of one carrier account's shared state (its concurrency budget), hash-tagged
    /// `{ca:<account>}` so that on Redis Cluster one account's keys share a slot. `account` must
    /// be key-safe (``CarrierConcurrencyBudget`` passes the account sid, or a hash of it).
    public func carrierAccount(_ account: String, _ name: String) -> String {
        prefix + "{ca:" + account + "}:" + name
    }

    /// The canonical text of an id in keys and payloads: lowercase UUID.
    /// One API key's request counter for one second (`amplifi api`'s per-key rate limit).
    public func apiKeyRate(keyID: UUID, second: Int) -> String { "\(prefix)api:rate:\(Self.id(keyID)):\(second)" }

    static func id(_ uuid: UUID) -> String { uuid.uuidString.lowercased() }
}
