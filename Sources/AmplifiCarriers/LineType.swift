/// A phone number's line type (Twilio Lookup v2 `line_type_intelligence.type`), for `isTextable`.
public enum LineType: String, Hashable, Sendable, CaseIterable, Codable {
    case mobile
    case landline
    case fixedVoip
    case nonFixedVoip
    case personal
    case tollFree
    case premium
    case sharedCost
    case uan
    case voicemail
    case pager
    case unknown

    /// Whether a text to this line type can be delivered: mobile and non-fixed VoIP lines
    /// (Google Voice and the like) take SMS; landlines, fixed VoIP and the rest do not.
    public var isTextable: Bool {
        switch self {
        case .mobile, .nonFixedVoip: true
        default: false
        }
    }
}
