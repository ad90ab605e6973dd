/// What an API key may do. Raw values are the scope names keys are created with and the
/// database stores (`api_keys.scopes`).
public enum APIScope: String, Sendable, Hashable, CaseIterable, Codable {
    case campaignsRead = "campaigns:read"
    case campaignsWrite = "campaigns:write"
    case campaignsControl = "campaigns:control"
    case contactsRead = "contacts:read"
    case contactsWrite = "contacts:write"
    case conversationsRead = "conversations:read"
    case messagesWrite = "messages:write"
}
