import Foundation

/// CPU time and peak resident memory of a process, read from Linux's /proc: what a benchmark
/// reports per `amplifi` process it started.
public struct ProcessUsage: Sendable, Equatable, Codable {
    /// User + system CPU seconds consumed so far.
    public var cpuSeconds: Double
    /// Peak resident set size (VmHWM) in KiB.
    public var peakRSSKilobytes: Int

    /// A usage of `cpuSeconds` CPU and `peakRSSKilobytes` peak RSS.
    public init(cpuSeconds: Double, peakRSSKilobytes: Int) {
        self.cpuSeconds = cpuSeconds
        self.peakRSSKilobytes = peakRSSKilobytes
    }

    /// The usage of process `pid` now (nil when it is gone or /proc cannot be read).
    public static func read(pid: Int32) -> ProcessUsage? {
        read(directory: "/proc/\(pid)")
    }

    /// The usage of this process now.
    public static func current() -> ProcessUsage? {
        read(directory: "/proc/self")
    }

    private static func read(directory: String) -> ProcessUsage? {
        guard let stat = try? String(contentsOfFile: directory + "/stat", encoding: .utf8),
            let status = try? String(contentsOfFile: directory + "/status", encoding: .utf8),
            let cpu = cpuSeconds(stat: stat, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK)))),
            let peak = peakRSSKilobytes(status: status)
        else { return nil }
        return ProcessUsage(cpuSeconds: cpu, peakRSSKilobytes: peak)
    }

    /// utime + stime from a /proc/<pid>/stat line, in seconds. The command name (field 2) may hold
    /// spaces and parentheses, so fields are counted after its closing parenthesis.
    static func cpuSeconds(stat: String, ticksPerSecond: Double) -> Double? {
        guard ticksPerSecond > 0, let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the name: state is field 3; utime and stime are fields 14 and 15 (1-based).
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / ticksPerSecond
    }

    /// VmHWM from /proc/<pid>/status, in KiB.
    static func peakRSSKilobytes(status: String) -> Int? {
        status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
    }
}
