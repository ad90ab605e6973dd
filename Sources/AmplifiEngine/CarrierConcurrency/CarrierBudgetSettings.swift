/// The numbers of one carrier account's concurrency budget: its size, how long a lease lives and how
/// the effective budget moves (AIMD). Every worker of the account should use the same settings.
public struct CarrierBudgetSettings: Hashable, Sendable {
    /// Twilio's documented default: about 100 concurrent API requests per account.
    public static let defaultCapacity = 100
    /// The largest budget accepted.
    public static let maximumCapacity = 100_000

    /// The most requests the whole fleet may have in flight against the account (the configured
    /// budget); the effective budget is at most this.
    public var capacity: Int
    /// How long a lease lives without renewal: a killed worker's permits come back after it.
    public var leaseTTL: Duration
    /// How often a holder renews its lease (and gives back what it no longer needs) while it holds
    /// permits; well under `leaseTTL`, so a slow Redis answer does not lose the lease.
    public var renewInterval: Duration
    /// How often a holder asks again while requests wait for permits the fleet has not freed yet.
    public var retryInterval: Duration
    /// One halving per this window: the 429s of one burst (several requests, several workers) halve
    /// the effective budget once.
    public var cutWindow: Duration
    /// The effective budget grows back by one permit per window without a halving, up to `capacity`.
    public var growthWindow: Duration
    /// Permits are asked for in multiples of this (a lease is renewed, grown or shrunk a block at a
    /// time, never a Redis call per message).
    public var block: Int

    /// Settings; the defaults suit Twilio (100 concurrent requests, 10 s leases renewed every second,
    /// one halving per 2 s, +1 per second back to the budget, blocks of 8).
    public init(
        capacity: Int = Self.defaultCapacity, leaseTTL: Duration = .seconds(10), renewInterval: Duration = .seconds(1),
        retryInterval: Duration = .milliseconds(50), cutWindow: Duration = .seconds(2),
        growthWindow: Duration = .seconds(1), block: Int = 8
    ) {
        self.capacity = min(max(1, capacity), Self.maximumCapacity)
        self.leaseTTL = max(leaseTTL, .milliseconds(100))
        self.renewInterval = min(max(renewInterval, .milliseconds(10)), self.leaseTTL / 2)
        self.retryInterval = max(retryInterval, .milliseconds(5))
        self.cutWindow = max(cutWindow, .zero)
        self.growthWindow = max(growthWindow, .milliseconds(1))
        self.block = max(1, block)
    }
}
