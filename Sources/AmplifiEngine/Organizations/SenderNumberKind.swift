/// The kind of a sender number; carriers give each a different throughput class.
public enum SenderNumberKind: String, Sendable, Codable, CaseIterable {
    /// A 10DLC long code (the default).
    case longCode = "long_code"
    /// A toll-free number.
    case tollFree = "toll_free"
    /// A short code (3–8 national digits, not E.164).
    case shortCode = "short_code"
}
