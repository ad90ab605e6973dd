import AmplifiBench
import ArgumentParser
import Foundation

/// `amplifi bench chart`: one report and its charts from the `--json` output of several
/// `amplifi bench send` runs (e.g. the small audiences from one invocation and 1M from another).
struct ChartBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chart",
        abstract: "Merge the --json reports of several `bench send` runs into one table and its SVG charts.")

    @Option(name: .customLong("input"), help: "A `bench send --json` report (repeat for several).")
    var inputs: [String]

    @Option(help: "Write the charts as SVG files: <prefix>-throughput.svg and <prefix>-cost.svg.")
    var svg: String?

    @Option(help: "A dashed reference line on the throughput chart, as LABEL=MSG_PER_S (repeat for several).")
    var anchor: [String] = ["listmonk ≈ 830/s=830"]

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one --input report") }
        for text in anchor where text.split(separator: "=").last.flatMap({ Double($0) }) == nil {
            throw ValidationError("--anchor must look like LABEL=NUMBER, got \"\(text)\"")
        }
    }

    func run() throws {
        var reports: [SendBenchReport] = []
        for path in inputs {
            do {
                reports.append(
                    try JSONDecoder().decode(SendBenchReport.self, from: Data(contentsOf: URL(fileURLWithPath: path))))
            } catch {
                throw ValidationError("\(path) is not a `bench send --json` report: \(error)")
            }
        }
        let merged = SendBenchReport(
            path: reports[0].path, machine: reports[0].machine, runs: reports.flatMap(\.runs))
        print(merged.table)
        guard let svg else { return }
        let anchors = anchor.compactMap { text -> SVGChart.Anchor? in
            guard let equals = text.lastIndex(of: "="), let value = Double(text[text.index(after: equals)...]) else {
                return nil
            }
            return SVGChart.Anchor(label: String(text[..<equals]), y: value)
        }
        try merged.throughputChart(anchors: anchors).render()
            .write(toFile: svg + "-throughput.svg", atomically: true, encoding: .utf8)
        try merged.costChart().render().write(toFile: svg + "-cost.svg", atomically: true, encoding: .utf8)
        print("charts: \(svg)-throughput.svg, \(svg)-cost.svg")
    }
}
