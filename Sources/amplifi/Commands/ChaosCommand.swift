import AmplifiChaos
import AmplifiPostgres
import ArgumentParser
import Foundation
import Logging

/// `amplifi chaos`: proves the send guarantees under a seeded fault schedule (see `ChaosRun`),
/// prints the invariants as a table (or JSON) and exits non-zero when one is broken.
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract:
            "Send campaigns through a private fleet while killing and restarting its parts; check the invariants.",
        discussion: """
            Starts its own Postgres, Redis and carrier simulator, a receiver, two schedulers and the workers \
            (real `amplifi` processes), sends six campaigns from two organizations, and injects a seeded \
            schedule of faults: worker kill -9 and SIGTERM, scheduler and receiver kill -9, Redis restart \
            and FLUSHALL, Postgres restart, carrier 429 bursts and an outage, inbound STOPs. Then it runs \
            backfill-status and checks the carrier's log and the database. Exit status 1 when an invariant \
            is broken; the offending rows are named.
            """)

    @Option(help: "Seed of the fault schedule, the carrier's draws and the STOPs.")
    var seed: UInt64 = 1

    @Option(help: "Seconds of fault injection (the campaigns are sized to send for about as long; 20-7200).")
    var duration = 60

    @Option(help: "Recipients across all campaigns (100-1000000).")
    var recipients = 3_000

    @Option(help: "Worker processes (3-32).")
    var workers = 3

    @Option(help: "Seconds to wait, after the window, for every campaign to settle (30-7200).")
    var settleSeconds = 300

    @Option(help: ArgumentHelp("Where the servers' data and every process's log go.", valueName: "dir"))
    var directory = ".amplifi/chaos"

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        _ = try FlagValidation.count(duration, flag: "--duration", in: 20...7_200, unit: "seconds")
        _ = try FlagValidation.count(recipients, flag: "--recipients", in: 100...1_000_000, unit: "recipients")
        _ = try FlagValidation.count(workers, flag: "--workers", in: 3...32, unit: "workers")
        _ = try FlagValidation.count(settleSeconds, flag: "--settle-seconds", in: 30...7_200, unit: "seconds")
    }

    func run() async throws {
        guard let migrations = PostgresMigrator.defaultDirectory() else {
            throw ValidationError("cannot find the sql/ migrations folder: run chaos from the repository root")
        }
        let root = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        try? FileManager.default.removeItem(at: root)
        var logger = Logger(label: "amplifi.chaos")
        logger.logLevel = .warning
        let json = self.json
        let run = ChaosRun(
            configuration: ChaosConfiguration(
                seed: seed, durationSeconds: Double(duration), recipients: recipients, workers: workers,
                settleSeconds: Double(settleSeconds), directory: root, executable: Self.executable(),
                migrations: migrations),
            logger: logger,
            say: { line in
                if !json {
                    print(line)
                    fflush(nil)
                }
            })
        let report = try await run.run()
        print(json ? try report.json() : "\n" + report.table())
        if !json { print("logs: \(root.appendingPathComponent("logs").path)") }
        if !report.passed { throw ExitCode(1) }
    }

    /// This executable's absolute path (the fleet runs the same build).
    static func executable() -> URL {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    }
}
