import Foundation

/// What `amplifi bench send` prints: every run, the medians per (audience size, worker count), the
/// slope of the cost per message over audience sizes, as a table, JSON (`--json`) or SVG charts
/// (`--svg`). Pure: it formats measurements, it measures nothing.
public struct SendBenchReport: Sendable, Codable {
    /// The medians of one (size, workers) cell.
    public struct Median: Sendable, Codable {
        public var recipients: Int
        public var workers: Int
        public var runs: Int
        public var messagesPerSecond: Double
        public var limitPerSecond: Double
        public var ratio: Double
        public var cpuMicrosPerMessage: Double
        public var sendingMicrosPerMessage: Double
        public var planningMicrosPerRow: Double
        public var planningCPUMicrosPerRow: Double
        public var peakRSSMegabytes: Double
        public var carrierRefusals: Int
    }

    /// How a cost moves per tenfold audience (least squares over log10 of the size).
    public struct Slopes: Sendable, Codable {
        public var sendingMicrosPerMessagePerDecade: Double?
        public var planningMicrosPerRowPerDecade: Double?
        public var cpuMicrosPerMessagePerDecade: Double?
        public var peakRSSMegabytesPerDecade: Double?
    }

    public var path: String
    public var machine: String
    public var runs: [SendMeasurement]
    public var medians: [Median]
    /// Over the audience sizes, at the largest worker count (nil with one size).
    public var slopes: Slopes?

    /// The report of `runs` measured on `machine`.
    public init(path: String, machine: String, runs: [SendMeasurement]) {
        self.path = path
        self.machine = machine
        self.runs = runs
        let cells = Dictionary(grouping: runs) { [$0.recipients, $0.workers] }
        self.medians = cells.keys.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }.map { key in
            let cell = cells[key] ?? []
            func median(_ value: (SendMeasurement) -> Double) -> Double { BenchStatistics.median(cell.map(value)) ?? 0 }
            return Median(
                recipients: key[0], workers: key[1], runs: cell.count, messagesPerSecond: median(\.messagesPerSecond),
                limitPerSecond: median(\.limitPerSecond), ratio: median(\.ratio),
                cpuMicrosPerMessage: median(\.cpuMicrosPerMessage),
                sendingMicrosPerMessage: median { $0.sendingSeconds / Double(max($0.messages, 1)) * 1e6 },
                planningMicrosPerRow: median { $0.planningSeconds / Double(max($0.recipients, 1)) * 1e6 },
                planningCPUMicrosPerRow: median(\.planningCPUMicrosPerRow),
                peakRSSMegabytes: median(\.peakRSSMegabytes),
                carrierRefusals: cell.reduce(0) { $0 + $1.carrierRefusals })
        }
        let widest = medians.map(\.workers).max() ?? 1
        let curve = medians.filter { $0.workers == widest }
        if Set(curve.map(\.recipients)).count >= 2 {
            let x = curve.map { log10(Double($0.recipients)) }
            slopes = Slopes(
                sendingMicrosPerMessagePerDecade: BenchStatistics.slope(x: x, y: curve.map(\.sendingMicrosPerMessage)),
                planningMicrosPerRowPerDecade: BenchStatistics.slope(x: x, y: curve.map(\.planningMicrosPerRow)),
                cpuMicrosPerMessagePerDecade: BenchStatistics.slope(x: x, y: curve.map(\.cpuMicrosPerMessage)),
                peakRSSMegabytesPerDecade: BenchStatistics.slope(x: x, y: curve.map(\.peakRSSMegabytes)))
        }
    }

    /// One run, on one line.
    public static func line(_ run: SendMeasurement, run label: String) -> String {
        "\(label): \(run.recipients) recipients, \(run.workers) worker(s): \(run.messages) sent in "
            + "\(format(run.sendingSeconds, 2)) s = \(Int(run.messagesPerSecond)) msg/s "
            + (run.limitPerSecond > 0
                ? "(\(format(run.ratio * 100, 0))% of \(Int(run.limitPerSecond))/s), " : "(no limit), ")
            + "CPU \(format(run.cpuMicrosPerMessage, 1)) µs/msg, "
            + "planning \(Int(run.planningRowsPerSecond)) rows/s, peak RSS \(format(run.peakRSSMegabytes, 0)) MiB"
            + (run.carrierRefusals > 0 ? ", \(run.carrierRefusals) refused by the carrier" : "")
    }

    /// The medians as a Markdown table, then the slopes.
    public var table: String {
        var text = "\(path) path, medians (\(machine)):\n\n"
        text +=
            "| recipients | workers | runs | msg/s | limit/s | ratio | CPU µs/msg | send µs/msg | plan µs/row "
            + "| plan CPU µs/row | peak RSS MiB | refused |\n"
        text += "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for cell in medians {
            text +=
                "| \(cell.recipients) | \(cell.workers) | \(cell.runs) | \(Int(cell.messagesPerSecond)) "
                + "| \(Int(cell.limitPerSecond)) | \(Self.format(cell.ratio * 100, 0))% "
                + "| \(Self.format(cell.cpuMicrosPerMessage, 1)) | \(Self.format(cell.sendingMicrosPerMessage, 1)) "
                + "| \(Self.format(cell.planningMicrosPerRow, 1)) | \(Self.format(cell.planningCPUMicrosPerRow, 1)) "
                + "| \(Self.format(cell.peakRSSMegabytes, 0)) | \(cell.carrierRefusals) |\n"
        }
        if let slopes {
            func show(_ value: Double?, _ unit: String) -> String {
                value.map { Self.format($0, 2) + " " + unit } ?? "n/a"
            }
            text +=
                "\nper tenfold audience: sending \(show(slopes.sendingMicrosPerMessagePerDecade, "µs/msg")), "
                + "planning \(show(slopes.planningMicrosPerRowPerDecade, "µs/row")), "
                + "worker CPU \(show(slopes.cpuMicrosPerMessagePerDecade, "µs/msg")), "
                + "peak RSS \(show(slopes.peakRSSMegabytesPerDecade, "MiB"))\n"
        }
        return text
    }

    /// The report as pretty-printed JSON.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// msg/s against worker processes (one line per audience size), with the limit and anchors.
    public func throughputChart(anchors: [SVGChart.Anchor]) -> SVGChart {
        let sizes = Set(medians.map(\.recipients)).sorted()
        let series = sizes.map { size in
            SVGChart.Series(
                name: "\(SVGChart.format(Double(size))) recipients",
                points: medians.filter { $0.recipients == size }.map {
                    (x: Double($0.workers), y: $0.messagesPerSecond)
                })
        }
        return SVGChart(
            title: "amplifi bench send (\(path) path): msg/s by worker processes", xLabel: "worker processes",
            yLabel: "messages per second", series: series, anchors: anchors)
    }

    /// Cost per message against audience size (log scale), at the largest worker count.
    public func costChart() -> SVGChart {
        let widest = medians.map(\.workers).max() ?? 1
        let curve = medians.filter { $0.workers == widest }
        return SVGChart(
            title: "Cost per message by audience size (\(widest) worker process\(widest == 1 ? "" : "es"))",
            xLabel: "recipients (log scale)", yLabel: "µs per message (or row)",
            series: [
                SVGChart.Series(
                    name: "sending (wall)",
                    points: curve.map { (x: Double($0.recipients), y: $0.sendingMicrosPerMessage) }),
                SVGChart.Series(
                    name: "planning (wall)",
                    points: curve.map { (x: Double($0.recipients), y: $0.planningMicrosPerRow) }),
                SVGChart.Series(
                    name: "worker CPU", points: curve.map { (x: Double($0.recipients), y: $0.cpuMicrosPerMessage) }),
            ], logX: true)
    }

    static func format(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
