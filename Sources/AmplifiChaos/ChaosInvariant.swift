/// One invariant of a chaos run, with the figure it came to and whether it holds.
public struct ChaosInvariant: Hashable, Sendable, Codable {
    /// What is checked, as the report's table names it.
    public var name: String
    /// The measured figure (a count, or a short "a = b" statement).
    public var figure: String
    /// What it must be.
    public var bound: String
    /// Whether the figure is within the bound.
    public var holds: Bool
    /// Up to ten offenders (row ids, recipients, numbers), for a failing invariant.
    public var offenders: [String]

    /// An invariant result.
    public init(name: String, figure: String, bound: String, holds: Bool, offenders: [String] = []) {
        self.name = name
        self.figure = figure
        self.bound = bound
        self.holds = holds
        self.offenders = Array(offenders.prefix(10))
    }

    /// A count that must be zero.
    static func zero(_ name: String, _ offenders: [String], note: String = "") -> ChaosInvariant {
        ChaosInvariant(
            name: name, figure: "\(offenders.count)\(note.isEmpty ? "" : " (\(note))")", bound: "0",
            holds: offenders.isEmpty, offenders: offenders)
    }
}
