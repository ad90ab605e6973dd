/// Which message a contact of an A/B campaign gets.
public enum ABAssignment: String, Sendable, Hashable, Codable, CaseIterable {
    /// In the variant A sample.
    case variantA = "A"
    /// In the variant B sample.
    case variantB = "B"
    /// Held back until the winner is known.
    case holdout = "HOLD"
}
