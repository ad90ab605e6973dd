public import Foundation

/// One chunk of a campaign's planned messages, to be sent by one worker: the rows of
/// `campaign_messages` with this `campaign_id` and `chunk`.
///
/// In Redis a job is the text `"<campaign>:<chunk>:<attempt>"` in its organization's
/// list; its identity (for de-duplication) is organization, campaign and chunk.
public struct ChunkJob: Sendable, Hashable {
    /// The campaign.
    public var campaignID: UUID
    /// The campaign's organization (which fair-queue lane the job waits in).
    public var orgID: UUID
    /// The 0-based chunk number the planner assigned the rows to.
    public var chunk: Int
    /// How many times the job was handed out before and lost with an expired lease
    /// (0 the first time; `reclaimExpired` adds one). Lets workers give up on a chunk
    /// that keeps killing them.
    public var attempt: Int

    /// A job for `chunk` of `campaignID`.
    public init(campaignID: UUID, orgID: UUID, chunk: Int, attempt: Int = 0) {
        self.campaignID = campaignID
        self.orgID = orgID
        self.chunk = chunk
        self.attempt = attempt
    }

    /// The job's text in its org's list.
    var payload: String { "\(QueueKeys.id(campaignID)):\(chunk):\(attempt)" }

    /// Parses a payload of org `orgID`; nil when malformed.
    init?(orgID: UUID, payload: String) {
        let parts = payload.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let campaign = UUID(uuidString: String(parts[0])), let chunk = Int(parts[1]),
            let attempt = Int(parts[2])
        else { return nil }
        self.init(campaignID: campaign, orgID: orgID, chunk: chunk, attempt: attempt)
    }

    /// Parses `"<org> <payload>"` as the lease scripts return it.
    init?(orgAndPayload text: String) {
        let parts = text.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let org = UUID(uuidString: String(parts[0])) else { return nil }
        self.init(orgID: org, payload: String(parts[1]))
    }
}
