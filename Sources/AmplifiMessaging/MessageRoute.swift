/// How a message is actually sent.
public enum MessageRoute: String, Sendable, Hashable, Codable, CaseIterable {
    /// A text message, billed per segment.
    case sms = "SMS"
    /// A multimedia message, billed a flat rate.
    case mms = "MMS"

    /// The route for a message: media always means MMS; otherwise `forceRoute` decides. AUTO sends
    /// MMS only when the text would cost more as SMS than as one MMS (more than
    /// ``CreditCost/mmsCredits`` segments, e.g. a long UCS-2 text), SMS otherwise.
    public static func resolve(forceRoute: ForceRoute, hasMedia: Bool, smsSegments: Int) -> MessageRoute {
        if hasMedia { return .mms }
        switch forceRoute {
        case .auto: return smsSegments > CreditCost.mmsCredits ? .mms : .sms
        case .sms: return .sms
        case .mms: return .mms
        }
    }
}
