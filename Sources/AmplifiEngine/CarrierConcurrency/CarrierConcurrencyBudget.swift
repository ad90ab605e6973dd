import AmplifiMessaging
public import AmplifiRedis

/// The fleet-wide budget of concurrent requests to one carrier account (Twilio: about 100 per
/// account, beyond which it answers 429 / 20429), shared by every worker through Redis.
///
/// Workers lease permits in blocks with ``lease(holder:want:inUse:)``: one Lua call acquires,
/// renews, shrinks or releases a holder's whole lease, never one call per message (a
/// ``CarrierPermitPool`` hands the permits out locally, one per request). A lease expires after
/// ``CarrierBudgetSettings/leaseTTL`` without renewal, so a killed worker's permits come back.
///
/// The effective budget follows AIMD and lives in Redis, so every worker sees the same one:
/// ``cut(confirmed:)`` (after a 429) halves it at most once per ``CarrierBudgetSettings/cutWindow``, and it
/// grows back by one permit per ``CarrierBudgetSettings/growthWindow`` up to
/// ``CarrierBudgetSettings/capacity``.
///
/// ## Keys
///
/// Four keys under ``QueueKeys/carrierAccount(_:_:)`` (hash tag `{ca:<account>}`, one Redis Cluster
/// slot): `held`, `want`, `leases` and `state`, described in ``CarrierConcurrencyScripts``. The
/// account part is the account sid when it is plain letters and digits, else a stable hash of it.
public struct CarrierConcurrencyBudget: Sendable {
    /// The budget's numbers.
    public let settings: CarrierBudgetSettings
    /// The account's part of the key names (the sid, or `h<hash>` for an unusual sid).
    public let accountKey: String
    let client: RedisClient
    let keys: QueueKeys

    /// The budget of carrier account `account` (e.g. the Twilio account sid `AC…`, which is not a
    /// secret) over `client`, with key names under `keys`.
    public init(client: RedisClient, keys: QueueKeys = QueueKeys(), account: String, settings: CarrierBudgetSettings) {
        self.client = client
        self.keys = keys
        self.settings = settings
        self.accountKey = Self.accountKey(account)
    }

    /// `account` when it is 1–64 ASCII letters and digits, else `h` + the hex of its stable hash:
    /// whatever the sid holds, it cannot break the `{…}` hash tag.
    static func accountKey(_ account: String) -> String {
        let plain = account.utf8.allSatisfy {
            (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)
        }
        if plain, (1...64).contains(account.utf8.count) { return account }
        return "h" + String(StableHash.hash(bytes: account.utf8), radix: 16)
    }

    /// The Redis key `name` (`held`, `want`, `leases`, `state`) of this account.
    public func key(_ name: String) -> String { keys.carrierAccount(accountKey, name) }

    /// Sets holder `holder`'s lease to what it wants, in one Lua call: `want` is the number of
    /// permits it would like to hold (0 releases the lease), `inUse` how many of its requests are
    /// in flight now (they stay counted until they end). Returns what it may hold now — at most
    /// `want`, its fair share of the budget when demand exceeds it, and what other holders left free.
    /// Throws ``CarrierBudgetError`` (`CARRIER_BUDGET_INVALID`) for a negative count or an empty
    /// holder, `RedisError` for Redis failures and unexpected replies.
    public func lease(holder: String, want: Int, inUse: Int) async throws -> CarrierLeaseGrant {
        guard !holder.isEmpty, want >= 0, inUse >= 0 else {
            throw CarrierBudgetError.invalid("a lease needs a holder name and counts of zero or more")
        }
        let reply = try await client.evalScript(
            CarrierConcurrencyScripts.lease,
            keys: [.init(key("held")), .init(key("want")), .init(key("leases")), .init(key("state"))],
            arguments: [
                .init(holder), .init(want), .init(inUse), .init(Self.milliseconds(settings.leaseTTL)),
                .init(settings.capacity), .init(Self.milliseconds(settings.growthWindow)),
            ])
        let fields = try Self.integers(reply, count: 4, script: "lease")
        return CarrierLeaseGrant(granted: fields[0], budget: fields[1], totalHeld: fields[2], contended: fields[3] == 1)
    }

    /// Multiplicative decrease after a 429: halves the effective budget unless it was halved less
    /// than ``CarrierBudgetSettings/cutWindow`` ago. `confirmed`: the carrier said the 429 is the
    /// account's concurrency limit (`Twilio-Concurrent-Requests`); an unconfirmed 429 halves the
    /// budget only while the fleet's leases hold at least half of it. One Lua call; returns the
    /// budget now and whether this call halved it.
    @discardableResult
    public func cut(confirmed: Bool = true) async throws -> CarrierBudgetCut {
        let reply = try await client.evalScript(
            CarrierConcurrencyScripts.cut, keys: [.init(key("state")), .init(key("held")), .init(key("leases"))],
            arguments: [
                .init(settings.capacity), .init(Self.milliseconds(settings.growthWindow)),
                .init(Self.milliseconds(settings.cutWindow)), .init(confirmed ? 1 : 0),
            ])
        let fields = try Self.integers(reply, count: 2, script: "cut")
        return CarrierBudgetCut(budget: fields[0], halved: fields[1] == 1)
    }

    /// The account's budget now (growth applied) and what live leases hold; read-only.
    public func inspect() async throws -> CarrierBudgetSnapshot {
        let reply = try await client.evalScript(
            CarrierConcurrencyScripts.inspect,
            keys: [.init(key("held")), .init(key("leases")), .init(key("state"))],
            arguments: [.init(settings.capacity), .init(Self.milliseconds(settings.growthWindow))])
        let fields = try Self.integers(reply, count: 3, script: "inspect")
        return CarrierBudgetSnapshot(budget: fields[0], totalHeld: fields[1], holders: fields[2])
    }

    /// The `count` integers of a script's reply, or a `protocolViolation`.
    private static func integers(_ reply: RedisValue, count: Int, script: String) throws -> [Int] {
        guard let array = reply.array, array.count == count else {
            throw RedisError(
                code: .protocolViolation, message: "carrier budget \(script) script returned an unexpected reply",
                command: "EVALSHA")
        }
        let values = array.compactMap(\.int)
        guard values.count == count else {
            throw RedisError(
                code: .protocolViolation, message: "carrier budget \(script) script returned a non-integer",
                command: "EVALSHA")
        }
        return values
    }

    /// Whole milliseconds of `duration`, at least 1.
    static func milliseconds(_ duration: Duration) -> Int {
        Int(max(1, Saturating.count(duration, unitsPerSecond: 1_000, roundingUp: true)))
    }
}

/// What one lease call granted a holder.
public struct CarrierLeaseGrant: Hashable, Sendable {
    /// Permits the holder may have in flight now.
    public let granted: Int
    /// The account's effective budget (AIMD) at the call.
    public let budget: Int
    /// Permits held across the fleet after the call (requests in flight included).
    public let totalHeld: Int
    /// Whether the fleet's demand exceeded the budget (fair shares applied).
    public let contended: Bool
}

/// The outcome of ``CarrierConcurrencyBudget/cut()``.
public struct CarrierBudgetCut: Hashable, Sendable {
    /// The effective budget after the call.
    public let budget: Int
    /// Whether this call halved it (false: halved less than a cut window ago).
    public let halved: Bool
}

/// A read of one account's budget (``CarrierConcurrencyBudget/inspect()``).
public struct CarrierBudgetSnapshot: Hashable, Sendable {
    /// The effective budget now.
    public let budget: Int
    /// Permits held by live leases.
    public let totalHeld: Int
    /// Holders with a live lease.
    public let holders: Int
}
