import AmplifiEngine
import AmplifiPostgres
import ArgumentParser
import Foundation
import Logging
import Synchronization
import UnixSignals

/// `amplifi backfill-status`: asks the carrier about messages stuck without a final status.
struct BackfillStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill-status",
        abstract: "Poll the carrier for messages still 'sent' (or 'unknown') and apply what it reports.",
        discussion: """
            Rows with a carrier sid are fetched by sid; 'unknown' rows without one are looked up by \
            recipient and day and settled only when exactly one message fits (never guessed). One the \
            carrier never created, claimed longer ago than --settle-after, goes back to pending (its \
            charge refunded) to be sent. Checked rows are stamped and counted, so an interrupted run can \
            simply be started again. Rows sent longer ago than --horizon, or checked --max-checks times, \
            are no longer polled: the report counts them as given up. SIGTERM or SIGINT stops the run at \
            the end of the current page (at most --rate x 5 rows) and prints what it did.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(
        name: .customLong("older-than"),
        help: ArgumentHelp("Only rows with no news for this long, e.g. 90s, 15m, 1h.", valueName: "duration"))
    var olderThan = "15m"

    @Option(
        name: .customLong("settle-after"),
        help: ArgumentHelp(
            "An unknown message the carrier has no trace of, claimed this long ago, is sent again.",
            valueName: "duration"))
    var settleAfter = "2m"

    @Option(
        help: ArgumentHelp(
            "Rows sent longer ago than this are no longer polled (e.g. 72h, 7d as 168h).", valueName: "duration"))
    var horizon = "72h"

    @Option(help: "Rows checked this many times are no longer polled (1-1000).")
    var maxChecks = 20

    @Option(help: "At most this many rows in this run.")
    var limit: Int?

    @Option(help: "At most this many carrier requests per second.")
    var rate: Double = 10

    @Option(help: "At most this many carrier requests in flight.")
    var concurrency = 4

    @OptionGroup var carrierOptions: CarrierOptions

    @Flag(help: "Print a stable JSON object instead of text.")
    var json = false

    func validate() throws {
        _ = try FlagValidation.duration(olderThan, flag: "older-than", in: .zero ... .seconds(3_650 * 86_400))
        _ = try FlagValidation.duration(settleAfter, flag: "settle-after", in: .seconds(10) ... .seconds(30 * 86_400))
        _ = try FlagValidation.rate(rate, flag: "rate", in: 0.01...10_000, unit: "requests")
        _ = try FlagValidation.count(concurrency, flag: "concurrency", in: 1...256, unit: "requests in flight")
        if let limit { _ = try FlagValidation.count(limit, flag: "limit", in: 1...100_000_000, unit: "rows") }
        _ = try FlagValidation.duration(horizon, flag: "horizon", in: .seconds(3_600) ... .seconds(365 * 86_400))
        _ = try FlagValidation.count(maxChecks, flag: "max-checks", in: 1...1_000, unit: "checks")
    }

    func run() async throws {
        let logger = Logger(label: "amplifi.backfill")
        let client = PostgresClient(url: try database.resolvedURL(), maxConnections: 2)
        // SIGTERM (a CronJob's pod being stopped) or SIGINT: finish the page, then report.
        let stop = Mutex(false)
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let watcher = Task {
            for await signal in signals {
                logger.warning("stopping at the end of this page", metadata: ["signal": "\(signal)"])
                stop.withLock { $0 = true }
            }
        }
        defer { watcher.cancel() }
        let report: StatusBackfillReport
        do {
            report = try await carrierOptions.withCarrier(logger: logger) { carrier in
                try await StatusBackfill(
                    client: client, carrier: carrier,
                    configuration: StatusBackfillConfiguration(
                        olderThan: DurationText.parse(olderThan) ?? .seconds(900), limit: limit, rate: rate,
                        concurrency: concurrency, pageSize: min(200, max(10, Int(rate * 5))),
                        settleAfter: DurationText.parse(settleAfter) ?? .seconds(120),
                        horizon: DurationText.parse(horizon) ?? .seconds(72 * 3_600), maxChecks: maxChecks),
                    logger: logger
                ).run(shouldStop: { stop.withLock { $0 } })
            }
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        print(json ? try Self.json(report) : Self.humanReadable(report))
    }

    /// The JSON document: keys sorted, so the output is stable.
    static func json(_ report: StatusBackfillReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    /// The summary for a person.
    static func humanReadable(_ report: StatusBackfillReport) -> String {
        let updated = report.updated.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        return [
            "Checked:            \(report.checked)",
            "Updated:            \(report.updatedTotal)"
                + (updated.isEmpty ? "" : " (\(updated.joined(separator: ", ")))"),
            "Pending at carrier: \(report.pendingAtCarrier)",
            "Not found:          \(report.notFound)",
            "Ambiguous:          \(report.ambiguous)",
            "Kept for review:    \(report.kept)",
            "Errors:             \(report.errors)",
            "Given up:           \(report.givenUp) (past the horizon or checked the most times; not polled)",
        ].joined(separator: "\n") + (report.interrupted ? "\nInterrupted: run it again to continue." : "")
    }
}
