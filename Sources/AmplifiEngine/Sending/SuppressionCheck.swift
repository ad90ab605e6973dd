/// Send-time suppression of one contact, in the planner's order of precedence: the skip reason a
/// row gets instead of being sent, or nil when it may be sent.
enum SuppressionCheck {
    /// The skip reason for a contact with these marks (`is_textable` nil = lookup still pending).
    static func skipReason(deleted: Bool, optedOut: Bool, isTextable: Bool?) -> String? {
        if deleted { return "contact_deleted" }
        if optedOut { return "opted_out" }
        if isTextable == false { return "not_textable" }
        if isTextable == nil { return "lookup_pending" }
        return nil
    }
}
