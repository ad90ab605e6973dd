/// What `amplifi org show` prints: the organization, its ledger total and its sender numbers.
public struct OrganizationDetails: Sendable, Equatable, Codable {
    /// The organization row.
    public var organization: Organization
    /// SUM(credit_ledger.amount) for the org; equals `organization.creditBalance` when the books are sound.
    public var ledgerSum: Int64
    /// Number of ledger rows.
    public var ledgerEntries: Int
    /// The org's sender numbers, default first.
    public var phoneNumbers: [SenderNumber]

    /// Creates a value.
    public init(organization: Organization, ledgerSum: Int64, ledgerEntries: Int, phoneNumbers: [SenderNumber]) {
        self.organization = organization
        self.ledgerSum = ledgerSum
        self.ledgerEntries = ledgerEntries
        self.phoneNumbers = phoneNumbers
    }
}
