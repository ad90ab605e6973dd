import Foundation

/// What a chaos run did and found: its parameters, the faults it injected and when, what the
/// carrier and the database saw, and every invariant with its figure.
public struct ChaosReport: Sendable, Codable {
    /// One fault or scenario action as carried out.
    public struct Happening: Sendable, Codable, Hashable {
        /// Seconds after the fault window opened.
        public var at: Double
        /// What was done.
        public var what: String
    }

    public var seed: UInt64
    public var durationSeconds: Double
    public var recipients: Int
    public var workers: Int
    /// Seconds from the window's opening until every campaign had settled (nil: it never did).
    public var settledAfterSeconds: Double?
    public var happenings: [Happening]
    /// Counts worth knowing: messages created, refused by code, rows by status, STOPs, …
    public var figures: [String: Int]
    public var invariants: [ChaosInvariant]

    /// Whether every invariant holds.
    public var passed: Bool { invariants.allSatisfy(\.holds) && settledAfterSeconds != nil }

    /// The report as the table `amplifi chaos` prints.
    public func table() -> String {
        var lines: [String] = []
        lines.append(
            "chaos run: seed \(seed), \(Int(durationSeconds)) s of faults, \(recipients) recipients, \(workers) workers"
        )
        lines.append("")
        lines.append("faults and actions:")
        for happening in happenings {
            lines.append("  \(String(format: "%6.1f", happening.at)) s  \(happening.what)")
        }
        lines.append("")
        lines.append("figures:")
        for (name, value) in figures.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(name): \(value)")
        }
        lines.append("")
        lines.append(
            settledAfterSeconds.map { "settled \(String(format: "%.1f", $0)) s after the window opened" }
                ?? "NOT SETTLED: campaigns still had open rows when the run gave up")
        lines.append("")
        let nameWidth = max(9, invariants.map(\.name.count).max() ?? 0)
        lines.append(
            "| \("invariant".padding(toLength: nameWidth, withPad: " ", startingAt: 0)) | must be | holds | figure |")
        lines.append("|\(String(repeating: "-", count: nameWidth + 2))|---------|-------|--------|")
        for invariant in invariants {
            lines.append(
                "| \(invariant.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)) | \(invariant.bound) | "
                    + "\(invariant.holds ? "yes" : "NO") | \(invariant.figure) |")
        }
        for invariant in invariants where !invariant.holds {
            lines.append("")
            lines.append("\(invariant.name): first offenders")
            for offender in invariant.offenders { lines.append("  \(offender)") }
        }
        lines.append("")
        lines.append(passed ? "every invariant holds" : "INVARIANTS BROKEN")
        return lines.joined(separator: "\n")
    }

    /// The report as JSON (sorted keys).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
