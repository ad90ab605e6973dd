/// How a message is actually sent.
public enum MessageRoute: String, Sendable, Hashable, Codable, CaseIterable {
    /// A text message, billed per segment.
    case sms = "SMS"
    /// A multimedia message, billed a flat rate.
    case mms = "MMS"

    /// The route for a message: media always means MMS; otherwise `forceRoute` decides (AUTO → SMS).
    public static func resolve(forceRoute: ForceRoute, hasMedia: Bool) -> MessageRoute {
        if hasMedia { return .mms }
        switch forceRoute {
        case .auto, .sms: return .sms
        case .mms: return .mms
        }
    }
}
