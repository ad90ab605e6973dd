/// How a campaign body is taken in: as a draft (may be incomplete) or submitted for sending.
public enum CampaignIntakeMode: Sendable, Equatable {
    /// `POST /api/campaigns/draft` / `--draft`: saved with status `draft`; audience, message and
    /// A/B variants may still be missing, but whatever is given must be valid.
    case draft
    /// `POST /api/campaigns`: complete and sendable; becomes `scheduled` or `pending`.
    case submit
}
