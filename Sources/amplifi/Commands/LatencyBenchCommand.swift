import AmplifiBench
import AmplifiLocalServers
import ArgumentParser
import Foundation
import Logging

/// `amplifi bench latency`: how long a pause takes to stop the carrier traffic, how soon another
/// organization's campaign gets its first message out, how late the scheduler promotes.
struct LatencyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency",
        abstract:
            "Pause → last message at the carrier, another org's first message, scheduler promotion lateness (p50/p99).",
        discussion: """
            Starts a private Postgres and Redis, a carrier simulator in this process (no added latency) and \\
            a scheduler and --workers `amplifi worker` processes. One campaign of --background-recipients \\
            sends at full speed while the samples are taken; the promotion samples are taken after the \\
            workers stop. docs/benchmarks.md has the figures.
            """)

    @Option(help: "Worker processes.")
    var workers = 2

    @Option(help: "Sender loops per worker process.")
    var loops = 2

    @Option(help: "Messages per claim (`amplifi worker --batch-size`).")
    var batchSize = 100

    @Option(help: "Recipients of the campaign that sends at full speed meanwhile.")
    var backgroundRecipients = 300_000

    @Option(help: "Pause samples (each paused campaign is resumed before the next).")
    var pauses = 20

    @Option(help: "First-message samples (500-recipient campaigns of another organization).")
    var firstMessages = 5

    @Option(help: "Scheduled campaigns whose promotion is timed.")
    var promotions = 40

    @Option(help: "Where the fleet's logs go.")
    var directory = ".build/bench-latency"

    @Flag(help: "Print the report as JSON on standard output (progress goes to standard error).")
    var json = false

    func validate() throws {
        _ = try FlagValidation.count(workers, flag: "workers", in: 1...64, unit: "worker processes")
        _ = try FlagValidation.count(loops, flag: "loops", in: 1...256, unit: "sender loops")
        _ = try FlagValidation.count(batchSize, flag: "batch-size", in: 1...10_000, unit: "messages")
        _ = try FlagValidation.count(
            backgroundRecipients, flag: "background-recipients", in: 10_000...10_000_000, unit: "recipients")
        _ = try FlagValidation.count(pauses, flag: "pauses", in: 0...1_000, unit: "samples")
        _ = try FlagValidation.count(firstMessages, flag: "first-messages", in: 0...100, unit: "samples")
        _ = try FlagValidation.count(promotions, flag: "promotions", in: 0...1_000, unit: "campaigns")
    }

    func run() async throws {
        try await BenchFleetSetup.with(json: json, directory: directory) { setup in
            let benchmark = LatencyBenchmark(
                configuration: LatencyBenchmark.Configuration(
                    executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(), workers: workers,
                    loops: loops, batchSize: batchSize, backgroundRecipients: backgroundRecipients, pauses: pauses,
                    firstMessages: firstMessages, promotions: promotions, logDirectory: setup.logs),
                logger: setup.logger)
            let report = try await benchmark.run(
                postgres: setup.postgres, migrations: setup.migrations, redisURL: setup.redis.url, say: setup.say)
            if json { try BenchFleetSetup.printJSON(report) } else { print("\n" + report.table) }
        }
    }
}
