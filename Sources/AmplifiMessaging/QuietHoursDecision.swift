public import Foundation

/// Whether a bulk send may go out now, and until or from when.
public enum QuietHoursDecision: Hashable, Sendable {
    /// Allowed; the window closes at `closesAt`, and `validityPeriod` is the carrier validity in seconds (1...36,000).
    case open(closesAt: Date, validityPeriod: Int)
    /// Not allowed; the window next opens at `opensAt`.
    case closed(opensAt: Date)

    /// Whether sending is allowed.
    public var isOpen: Bool {
        if case .open = self { return true }
        return false
    }
}
