/// An organization's quiet-hours rules: its own window plus stricter windows for some US states.
public struct QuietHoursPolicy: Hashable, Sendable {
    /// The organization's window (default 08:00–21:00).
    public var organizationWindow: SendWindow
    /// Stricter windows by upper-case two-letter state code (default: FL and OK 08:00–20:00).
    public var stateWindows: [String: SendWindow]

    /// The state windows required by law (Florida and Oklahoma allow 08:00–20:00).
    public static let defaultStateWindows: [String: SendWindow] = {
        let eightToEight = try! SendWindow(start: .eightAM, end: .eightPM)
        return ["FL": eightToEight, "OK": eightToEight]
    }()

    /// A policy; both parameters default to the platform's rules.
    public init(
        organizationWindow: SendWindow = .standard,
        stateWindows: [String: SendWindow] = QuietHoursPolicy.defaultStateWindows
    ) {
        self.organizationWindow = organizationWindow
        self.stateWindows = stateWindows
    }

    /// The window for a contact in `state` (code, any case): the intersection of the organization's
    /// and the state's; nil when they do not overlap (no send is ever allowed).
    public func window(forState state: String?) -> SendWindow? {
        guard let state else { return organizationWindow }
        let code = state.trimmingWhitespace().uppercased()
        guard let stateWindow = stateWindows[code] else { return organizationWindow }
        return organizationWindow.intersection(stateWindow)
    }
}
