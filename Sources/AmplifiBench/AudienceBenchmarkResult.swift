import AmplifiEngine

/// The numbers of one ``AudienceBenchmark`` run.
public struct AudienceBenchmarkResult: Sendable, CustomStringConvertible {
    /// Contacts generated.
    public var contacts: Int
    /// Planner page size.
    public var chunkSize: Int
    /// Whether the planned campaign was an A/B campaign.
    public var abTest: Bool
    /// Time to COPY the contacts (and ANALYZE).
    public var loadSeconds: Double
    /// Rows the raw INSERT … SELECT wrote.
    public var rawRows: Int
    /// Time of the raw INSERT … SELECT.
    public var rawSeconds: Double
    /// Rows the planner wrote.
    public var plannerRows: Int
    /// Time of `AudiencePlanner.expand` (including its final count/UPDATE).
    public var plannerSeconds: Double

    /// Raw rows per second.
    public var rawRowsPerSecond: Double { Double(rawRows) / max(rawSeconds, 1e-9) }
    /// Planner rows per second.
    public var plannerRowsPerSecond: Double { Double(plannerRows) / max(plannerSeconds, 1e-9) }
    /// Planner throughput as a share of raw (target ≥ 0.7).
    public var ratio: Double { plannerRowsPerSecond / max(rawRowsPerSecond, 1e-9) }

    /// A human-readable report: both rates and the ratio.
    public var description: String {
        func rate(_ value: Double) -> String { String(Int(value.rounded())) }
        func secs(_ value: Double) -> String { String(Double(Int(value * 1000)) / 1000) }
        return """
            audience benchmark: \(contacts) contacts, page \(chunkSize), \(abTest ? "A/B" : "plain") campaign
              load (COPY):        \(secs(loadSeconds)) s
              raw INSERT…SELECT:  \(rawRows) rows in \(secs(rawSeconds)) s = \(rate(rawRowsPerSecond)) rows/s
              planner expand:     \(plannerRows) rows in \(secs(plannerSeconds)) s = \(rate(plannerRowsPerSecond)) rows/s
              planner / raw:      \(Int((ratio * 100).rounded()))% (target >= 70%)
            """
    }
}
