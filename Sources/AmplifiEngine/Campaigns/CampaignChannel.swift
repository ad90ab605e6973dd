public import AmplifiPostgres
import Foundation

/// How a campaign reaches its contacts (raw values = the API's and `campaigns.channel`): text
/// messages only, today.
public enum CampaignChannel: String, Sendable, Hashable, Codable, CaseIterable, PostgresDecodable {
    case text

    /// The channel named by a request (any case, spaces around ignored); nil for one not supported.
    public init?(parsing text: String) {
        self.init(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased())
    }
}
