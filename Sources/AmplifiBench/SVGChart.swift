import Foundation

/// A small line chart written as SVG by the benchmarks themselves (`--svg`), so the plots in
/// docs/benchmarks.md come from the same run as the numbers beside them. Pure: no I/O.
public struct SVGChart: Sendable {
    /// One line of the chart.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]

        /// A line named `name` through `points` (drawn in x order).
        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points.sorted { $0.x < $1.x }
        }
    }

    /// A horizontal reference line (a limit, an anchor such as another product's figure).
    public struct Anchor: Sendable {
        public var label: String
        public var y: Double

        /// A dashed line at `y` labelled `label`.
        public init(label: String, y: Double) {
            self.label = label
            self.y = y
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var anchors: [Anchor]
    /// Plot x on a log10 scale (audience sizes).
    public var logX: Bool

    /// A chart of `series` with optional `anchors`.
    public init(
        title: String, xLabel: String, yLabel: String, series: [Series], anchors: [Anchor] = [], logX: Bool = false
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.anchors = anchors
        self.logX = logX
    }

    static let width = 720.0
    static let height = 420.0
    static let margin = (left: 80.0, right: 200.0, top: 40.0, bottom: 60.0)
    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]

    /// The chart as an SVG document.
    public func render() -> String {
        let points = series.flatMap(\.points)
        let xs = points.map { transformX($0.x) }
        let ys = points.map(\.y) + anchors.map(\.y)
        let minX = xs.min() ?? 0
        var maxX = xs.max() ?? 1
        if maxX <= minX { maxX = minX + 1 }
        let maxY = Self.niceCeiling((ys.max() ?? 1) * 1.1)
        let plotWidth = Self.width - Self.margin.left - Self.margin.right
        let plotHeight = Self.height - Self.margin.top - Self.margin.bottom
        func px(_ x: Double) -> Double { Self.margin.left + (transformX(x) - minX) / (maxX - minX) * plotWidth }
        func py(_ y: Double) -> Double { Self.margin.top + plotHeight - y / maxY * plotHeight }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.width))" height="\(Int(Self.height))" \
            font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Self.margin.left)" y="24" font-size="15" font-weight="bold">\(Self.escape(title))</text>

            """
        // Axes, y grid with 5 ticks, x ticks at the data's x values.
        let bottom = Self.margin.top + plotHeight
        svg += line(Self.margin.left, bottom, Self.margin.left + plotWidth, bottom, stroke: "black")
        svg += line(Self.margin.left, Self.margin.top, Self.margin.left, bottom, stroke: "black")
        for tick in 0...5 {
            let value = maxY * Double(tick) / 5
            let y = py(value)
            svg += line(Self.margin.left, y, Self.margin.left + plotWidth, y, stroke: "#dddddd")
            svg += text(Self.margin.left - 6, y + 4, Self.format(value), anchor: "end")
        }
        for x in Set(points.map(\.x)).sorted() {
            svg += text(px(x), bottom + 16, Self.format(x), anchor: "middle")
        }
        svg += text(Self.margin.left + plotWidth / 2, Self.height - 16, xLabel, anchor: "middle")
        svg +=
            "<text transform=\"translate(18,\(Self.margin.top + plotHeight / 2)) rotate(-90)\" "
            + "text-anchor=\"middle\">\(Self.escape(yLabel))</text>\n"
        for anchor in anchors {
            let y = py(anchor.y)
            svg +=
                "<line x1=\"\(Self.margin.left)\" y1=\"\(y)\" x2=\"\(Self.margin.left + plotWidth)\" y2=\"\(y)\" "
                + "stroke=\"#555555\" stroke-dasharray=\"6,4\"/>\n"
            svg += text(Self.margin.left + plotWidth + 6, y + 4, anchor.label, anchor: "start")
        }
        for (index, line) in series.enumerated() {
            let color = Self.colors[index % Self.colors.count]
            let path = line.points.map { "\(Self.round(px($0.x))),\(Self.round(py($0.y)))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
            for point in line.points {
                svg +=
                    "<circle cx=\"\(Self.round(px(point.x)))\" cy=\"\(Self.round(py(point.y)))\" r=\"3\" fill=\"\(color)\"/>\n"
            }
            let legendY = Self.margin.top + 16 + Double(index) * 18
            svg +=
                "<rect x=\"\(Self.margin.left + plotWidth + 6)\" y=\"\(legendY - 9)\" width=\"10\" height=\"10\" fill=\"\(color)\"/>\n"
            svg += text(Self.margin.left + plotWidth + 20, legendY, line.name, anchor: "start")
        }
        return svg + "</svg>\n"
    }

    private func transformX(_ x: Double) -> Double { logX ? log10(max(x, 1)) : x }

    private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String) -> String {
        "<line x1=\"\(Self.round(x1))\" y1=\"\(Self.round(y1))\" x2=\"\(Self.round(x2))\" y2=\"\(Self.round(y2))\" stroke=\"\(stroke)\"/>\n"
    }

    private func text(_ x: Double, _ y: Double, _ content: String, anchor: String) -> String {
        "<text x=\"\(Self.round(x))\" y=\"\(Self.round(y))\" text-anchor=\"\(anchor)\">\(Self.escape(content))</text>\n"
    }

    static func round(_ value: Double) -> String { String(format: "%.1f", value) }

    /// 1,234 / 12.5k / 3M style labels.
    static func format(_ value: Double) -> String {
        switch abs(value) {
        case 1_000_000...: return trimmed(value / 1_000_000) + "M"
        case 10_000...: return trimmed(value / 1_000) + "k"
        case 100...: return String(Int(value.rounded()))
        default: return trimmed(value)
        }
    }

    private static func trimmed(_ value: Double) -> String {
        let text = String(format: "%.1f", value)
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// The smallest 1/2/5 × 10^k at or above `value`.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(value)))
        for step in [1.0, 2.0, 5.0, 10.0] where step * magnitude >= value { return step * magnitude }
        return 10 * magnitude
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
