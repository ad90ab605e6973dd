/// One page of an organization's campaigns, newest first, and the cursor of the next page.
public struct CampaignPage: Sendable, Equatable {
    /// The campaigns on this page.
    public var campaigns: [Campaign]
    /// Pass to the next `list` call; nil on the last page.
    public var nextCursor: String?
}
