/// The campaign's `forceRoute` setting: let the platform decide, or force SMS or MMS.
public enum ForceRoute: String, Sendable, Hashable, Codable, CaseIterable {
    /// MMS when there is media, else SMS (the default).
    case auto = "AUTO"
    /// SMS unless there is media (media always means MMS).
    case sms = "SMS"
    /// Always MMS.
    case mms = "MMS"

    /// Parses `AUTO`, `SMS` or `MMS` (any case, surrounding spaces ignored).
    public init(parsing text: String) throws(MessageValidationError) {
        let trimmed = text.trimmingWhitespace().uppercased()
        guard let route = ForceRoute(rawValue: trimmed) else {
            throw MessageValidationError(.invalidForceRoute, detail: String(text.prefix(16)))
        }
        self = route
    }
}
