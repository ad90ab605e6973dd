public import Foundation

/// One campaign admitted for planning, as read from the admission stream.
public struct Admission: Sendable, Hashable {
    /// The stream entry id; pass the admission to `AdmissionQueue.acknowledge(_:)`.
    public var entryID: String
    /// The campaign to plan.
    public var campaignID: UUID
    /// Its organization.
    public var orgID: UUID

    /// An admission read from entry `entryID`.
    public init(entryID: String, campaignID: UUID, orgID: UUID) {
        self.entryID = entryID
        self.campaignID = campaignID
        self.orgID = orgID
    }
}
