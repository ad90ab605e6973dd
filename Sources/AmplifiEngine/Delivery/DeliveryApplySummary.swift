/// What one apply did. Every event lands in exactly one of `applied`, `unchanged` and `kept`
/// (`applied + unchanged + kept == events`), plus `rejected` for events with nothing to match on.
public struct DeliveryApplySummary: Sendable, Hashable {
    /// Events that moved a message's status (at most one per message per batch: the highest rank).
    public var applied: Int
    /// Events matched and logged in `delivery_events` that moved nothing (duplicates, out-of-order,
    /// lower-ranked events of the same batch, reports for final rows).
    public var unchanged: Int
    /// Events staged in `pending_delivery_events`: no matching message yet, a message not recorded
    /// yet (`pending`/`deferred`/`held`/`sending`), or a sid that contradicts the message's.
    public var kept: Int
    /// Of `kept`: events whose sid contradicts the matched message's recorded sid (ops look at them).
    public var mismatched: Int
    /// Events without a message id and without a sid: nothing to match on, not stored (logged).
    public var rejected: Int
    /// Messages moved, by their new status (`sent`, `delivered`, `undelivered`, `failed`).
    public var appliedByStatus: [String: Int]

    /// A summary with the given counts.
    public init(
        applied: Int = 0, unchanged: Int = 0, kept: Int = 0, mismatched: Int = 0, rejected: Int = 0,
        appliedByStatus: [String: Int] = [:]
    ) {
        self.applied = applied
        self.unchanged = unchanged
        self.kept = kept
        self.mismatched = mismatched
        self.rejected = rejected
        self.appliedByStatus = appliedByStatus
    }

    /// Adds another summary's counts to this one.
    public mutating func add(_ other: DeliveryApplySummary) {
        applied += other.applied
        unchanged += other.unchanged
        kept += other.kept
        mismatched += other.mismatched
        rejected += other.rejected
        appliedByStatus.merge(other.appliedByStatus, uniquingKeysWith: +)
    }
}
