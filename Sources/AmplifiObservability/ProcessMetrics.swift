import Foundation
public import Prometheus

/// The standard process series of a Prometheus client — `process_cpu_seconds_total`,
/// `process_resident_memory_bytes`, `process_open_fds`, `process_start_time_seconds` — read from
/// `/proc/self` when `/metrics` is scraped (nothing runs between scrapes).
public struct ProcessMetrics: Sendable {
    let cpu: Gauge
    let resident: Gauge
    let openFiles: Gauge

    /// The series, registered in `registry`.
    public init(registry: PrometheusCollectorRegistry) {
        // The standard process collector's names: process_cpu_seconds_total, process_resident_memory_bytes,
        // process_open_fds.
        cpu = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "process", metricName: "cpu", unitName: "seconds_total",
                helpText: "User and system CPU time spent, in seconds."))
        resident = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "process", metricName: "resident_memory", unitName: "bytes",
                helpText: "Resident memory size in bytes."))
        openFiles = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "process", metricName: "open", unitName: "fds",
                helpText: "Number of open file descriptors."))
        registry.makeGauge(
            name: "process_start_time_seconds", help: "Start time of the process since 1970, in seconds."
        )
        .set(Date().timeIntervalSince1970 - ProcessInfo.processInfo.systemUptime + Self.startSecondsAfterBoot())
    }

    /// Reads the current values.
    public func refresh() {
        if let usage = Self.cpuSeconds() { cpu.set(usage) }
        if let bytes = Self.residentBytes() { resident.set(Double(bytes)) }
        if let files = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openFiles.set(Double(files.count))
        }
    }

    /// The fields of `/proc/self/stat` after the command name (which may contain spaces).
    static func statFields() -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// utime + stime (fields 14 and 15 of stat, 12 and 13 after the name) in seconds.
    static func cpuSeconds() -> Double? {
        guard let fields = statFields(), fields.count > 12, let user = Double(fields[11]),
            let system = Double(fields[12])
        else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Seconds after boot the process started (field 22 of stat).
    static func startSecondsAfterBoot() -> Double {
        guard let fields = statFields(), fields.count > 19, let ticks = Double(fields[19]) else { return 0 }
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident pages (second field of statm) times the page size.
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
