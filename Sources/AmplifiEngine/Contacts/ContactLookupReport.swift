/// What a ``ContactLookup`` run resolved.
public struct ContactLookupReport: Sendable, Hashable, Codable {
    /// Contacts whose number was looked up.
    public var lookedUp: Int
    /// Now `is_textable = true` (mobile, non-fixed VoIP).
    public var textable: Int
    /// Now `is_textable = false` (landline, fixed VoIP, toll-free, ...).
    public var notTextable: Int
    /// Left lookup-pending: the carrier had no answer or failed (rerun to try them again).
    public var unresolved: Int
    /// The part of `unresolved` that failed with an error (carrier error code → count).
    public var errors: [String: Int]
    /// Wall-clock seconds the run took.
    public var elapsedSeconds: Double

    /// A report.
    public init(
        lookedUp: Int = 0, textable: Int = 0, notTextable: Int = 0, unresolved: Int = 0, errors: [String: Int] = [:],
        elapsedSeconds: Double = 0
    ) {
        self.lookedUp = lookedUp
        self.textable = textable
        self.notTextable = notTextable
        self.unresolved = unresolved
        self.errors = errors
        self.elapsedSeconds = elapsedSeconds
    }
}
