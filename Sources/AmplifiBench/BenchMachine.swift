import Foundation

/// The machine a benchmark ran on, in one line (CPU model, cores, memory), printed with its numbers.
public enum BenchMachine {
    /// e.g. "2 × Intel(R) Xeon(R) CPU @ 2.20GHz, 23 GiB RAM".
    public static func description() -> String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
            ?? "unknown CPU"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let kilobytes =
            meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") } ?? 0
        return "\(ProcessInfo.processInfo.activeProcessorCount) × \(model), \(kilobytes / 1_048_576) GiB RAM"
    }
}
