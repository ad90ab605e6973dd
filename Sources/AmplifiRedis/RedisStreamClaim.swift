/// The result of `XAUTOCLAIM`: entries taken over from consumers that stopped
/// acknowledging them.
public struct RedisStreamClaim: Sendable, Hashable {
    /// Where the next `XAUTOCLAIM` scan should start; `0-0` when the scan is complete.
    public var nextStart: String
    /// The claimed entries, now pending for the claiming consumer.
    public var entries: [RedisStreamEntry]
    /// Ids that were pending but no longer exist in the stream (Redis 7 removes them
    /// from the pending list); empty on Redis 6.2.
    public var deletedIDs: [String]

    public init(nextStart: String, entries: [RedisStreamEntry], deletedIDs: [String]) {
        self.nextStart = nextStart
        self.entries = entries
        self.deletedIDs = deletedIDs
    }
}
