import Foundation
import Testing

@testable import AmplifiBench

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite("Bench reports: medians, slopes, /proc parsing and SVG charts")
struct BenchReportTests {
    static func measurement(recipients: Int, workers: Int, seconds: Double, cpu: Double = 10, rss: Double = 40)
        -> SendMeasurement
    {
        SendMeasurement(
            path: "postgres", recipients: recipients, workers: workers, loops: 2, batchSize: 500, messages: recipients,
            planningSeconds: Double(recipients) / 50_000, sendingSeconds: seconds, cpuMicrosPerMessage: cpu,
            planningCPUMicrosPerRow: 2, peakRSSMegabytes: rss, limitPerSecond: 20_000, carrierRefusals: 0)
    }

    @Test func mediansOfOddAndEvenCounts() {
        #expect(BenchStatistics.median([]) == nil)
        #expect(BenchStatistics.median([3, 1, 2]) == 2)
        #expect(BenchStatistics.median([4, 1, 3, 2]) == 2.5)
    }

    @Test func slopeOfALineAndOfAFlatCurve() {
        #expect(BenchStatistics.slope(x: [1, 2, 3], y: [2, 4, 6]) == 2)
        #expect(BenchStatistics.slope(x: [1, 2, 3], y: [5, 5, 5]) == 0)
        #expect(BenchStatistics.slope(x: [1, 1], y: [1, 2]) == nil)
        #expect(BenchStatistics.slope(x: [1], y: [1]) == nil)
    }

    @Test func procStatFieldsAreCountedAfterTheCommandName() {
        // A command name with spaces and parentheses must not shift the fields.
        let stat = "4242 (amplifi (worker) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1 2 3"
        #expect(ProcessUsage.cpuSeconds(stat: stat, ticksPerSecond: 100) == 3.0)
        #expect(ProcessUsage.cpuSeconds(stat: "garbage", ticksPerSecond: 100) == nil)
        let status = "Name:\tamplifi\nVmPeak:\t  900 kB\nVmHWM:\t   51234 kB\nVmRSS:\t 40000 kB\n"
        #expect(ProcessUsage.peakRSSKilobytes(status: status) == 51_234)
        #expect(ProcessUsage.current().map { $0.peakRSSKilobytes > 0 && $0.cpuSeconds >= 0 } == true)
    }

    @Test func theReportTakesMediansPerCellAndTheSlopePerDecade() throws {
        let runs = [
            Self.measurement(recipients: 10_000, workers: 2, seconds: 1.0),
            Self.measurement(recipients: 10_000, workers: 2, seconds: 2.0, cpu: 30),
            Self.measurement(recipients: 10_000, workers: 2, seconds: 1.5, cpu: 20),
            Self.measurement(recipients: 100_000, workers: 2, seconds: 15),
            Self.measurement(recipients: 1_000_000, workers: 2, seconds: 150, rss: 42),
            Self.measurement(recipients: 1_000_000, workers: 1, seconds: 300),
        ]
        let report = SendBenchReport(path: "postgres", machine: "test", runs: runs)
        #expect(
            report.medians.map { [$0.recipients, $0.workers, $0.runs] } == [
                [10_000, 2, 3], [100_000, 2, 1], [1_000_000, 1, 1], [1_000_000, 2, 1],
            ])
        let first = try #require(report.medians.first)
        #expect(first.messagesPerSecond == 10_000 / 1.5)
        #expect(first.cpuMicrosPerMessage == 20)
        #expect(abs(first.ratio - 10_000 / 1.5 / 20_000) < 1e-9)
        // 150 µs per message at every size: flat; RSS grows 1 MiB per decade.
        let slopes = try #require(report.slopes)
        #expect(abs(slopes.sendingMicrosPerMessagePerDecade ?? 1) < 1e-9)
        #expect(abs((slopes.peakRSSMegabytesPerDecade ?? 0) - 1) < 1e-9)
        #expect(report.table.contains("| 1000000 | 2 | 1 | 6666 |"))
        let decoded = try JSONDecoder().decode(SendBenchReport.self, from: Data(try report.json().utf8))
        #expect(decoded.medians.count == 4)
    }

    @Test func chartsAreWellFormedSVGWithEverySeriesAndAnchor() throws {
        let report = SendBenchReport(
            path: "http", machine: "test",
            runs: [
                Self.measurement(recipients: 10_000, workers: 1, seconds: 2),
                Self.measurement(recipients: 10_000, workers: 3, seconds: 1),
                Self.measurement(recipients: 100_000, workers: 3, seconds: 9),
            ])
        for chart in [
            report.throughputChart(anchors: [SVGChart.Anchor(label: "a < b & c", y: 830)]), report.costChart(),
        ] {
            let svg = chart.render()
            let document = try XMLDocument(xmlString: svg)
            #expect(document.rootElement()?.name == "svg")
            for series in chart.series { #expect(svg.contains(SVGChart.escape(series.name))) }
        }
        #expect(
            report.throughputChart(anchors: [SVGChart.Anchor(label: "a < b & c", y: 830)]).render()
                .contains("a &lt; b &amp; c"))
        #expect(SVGChart.niceCeiling(830) == 1_000)
        #expect(SVGChart.niceCeiling(1_100) == 2_000)
        #expect(SVGChart.format(1_000_000) == "1M")
        #expect(SVGChart.format(12_500) == "12.5k")
    }
}
