/// The summary form of `XPENDING key group`: what a consumer group has read but not
/// acknowledged.
public struct RedisPendingSummary: Sendable, Hashable {
    /// Entries delivered and not yet acknowledged.
    public var count: Int
    /// The smallest pending id; nil when nothing is pending.
    public var smallestID: String?
    /// The greatest pending id; nil when nothing is pending.
    public var greatestID: String?
    /// Pending entries per consumer name (consumers with none are absent).
    public var consumers: [String: Int]

    public init(count: Int, smallestID: String?, greatestID: String?, consumers: [String: Int]) {
        self.count = count
        self.smallestID = smallestID
        self.greatestID = greatestID
        self.consumers = consumers
    }
}
