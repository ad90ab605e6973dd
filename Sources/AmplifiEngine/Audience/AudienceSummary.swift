/// What a campaign's planned audience looks like, recomputed from
/// `campaign_messages` (so a rerun reports the same numbers), plus what this
/// particular run did.
public struct AudienceSummary: Sendable, Equatable {
    /// Rows planned for the campaign: every matching contact, skipped or not.
    public var audienceCount: Int
    /// Skipped rows by `skip_reason` (`opted_out`, `no_phone`, `not_textable`,
    /// `lookup_pending`, `contact_deleted`).
    public var skippedByReason: [String: Int]
    /// Rows ready to send now (`pending`).
    public var pendingCount: Int
    /// A/B holdout rows waiting for the winner (`held`, variant `main`).
    public var heldCount: Int
    /// Rows by variant (`A`, `B`, `main`), skipped rows included: the sampler's
    /// assignment of the whole audience. Empty for a campaign without A/B.
    public var variantCounts: [String: Int]
    /// Chunk numbers that have `pending` rows, ascending: the chunk jobs to emit.
    public var sendableChunks: [Int]
    /// Pages this run wrote (0 when a rerun found everything planned).
    public var pagesThisRun: Int
    /// Rows this run inserted (a rerun after a crash inserts only the rest).
    public var insertedThisRun: Int
    /// False when the run stopped early (page limit); the audience is then partial.
    public var isComplete: Bool

    /// Rows skipped for any reason.
    public var skippedCount: Int { skippedByReason.values.reduce(0, +) }

    /// A summary; all zero/empty by default.
    public init(
        audienceCount: Int = 0, skippedByReason: [String: Int] = [:], pendingCount: Int = 0, heldCount: Int = 0,
        variantCounts: [String: Int] = [:], sendableChunks: [Int] = [], pagesThisRun: Int = 0, insertedThisRun: Int = 0,
        isComplete: Bool = true
    ) {
        self.audienceCount = audienceCount
        self.skippedByReason = skippedByReason
        self.pendingCount = pendingCount
        self.heldCount = heldCount
        self.variantCounts = variantCounts
        self.sendableChunks = sendableChunks
        self.pagesThisRun = pagesThisRun
        self.insertedThisRun = insertedThisRun
        self.isComplete = isComplete
    }
}
