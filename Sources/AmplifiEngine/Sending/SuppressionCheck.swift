/// Send-time suppression of one contact, in the planner's order of precedence: the skip reason a
/// row gets instead of being sent, or nil when it may be sent.
enum SuppressionCheck {
    /// The skip reason for a contact with these marks (`is_textable` nil = lookup still pending).
    static func skipReason(deleted: Bool, optedOut: Bool, isTextable: Bool?) -> SkipReason? {
        if deleted { return .contactDeleted }
        if optedOut { return .optedOut }
        if isTextable == false { return .notTextable }
        if isTextable == nil { return .lookupPending }
        return nil
    }
}
