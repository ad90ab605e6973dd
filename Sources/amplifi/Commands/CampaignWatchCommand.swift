import AmplifiEngine
import AmplifiMessaging
import ArgumentParser
import Foundation

/// `amplifi campaign watch ID [--org ORG] [--interval-ms 500] [--once]`: a live progress line for
/// ops (counts by message status, msg/s over the last interval, ETA, campaign status and reason)
/// until the campaign reaches a final status.
struct CampaignWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch a campaign's progress live until it completes, fails or is canceled.",
        discussion: """
            Redraws one line per interval on a terminal (one line per interval when piped): counts by \
            message status, messages settled per second over the last interval, ETA of the pending and \
            in-flight rows, and the campaign's status (with its reason). Exits when the campaign reaches \
            completed, failed or canceled, or after one reading with --once.
            """)

    @Argument(help: "The campaign's UUID.")
    var id: String

    @Option(help: "The organization's UUID (looked up from the campaign when omitted).")
    var org: String?

    @Option(name: .customLong("interval-ms"), help: "Milliseconds between readings (at least 50).")
    var intervalMs = 500

    @Flag(help: "Print one reading and exit.")
    var once = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        _ = try FlagValidation.milliseconds(intervalMs, flag: "interval-ms", in: 50...3_600_000)
    }

    func run() async throws {
        let campaignID = try CampaignCommand.uuid(id, option: "ID")
        let givenOrg = try org.map { try CampaignCommand.uuid($0, option: "--org") }
        let inPlace = isatty(STDOUT_FILENO) == 1 && !once
        try await CampaignCommand.run(database: database) { store in
            let notFound = EngineError(.notFound, "no campaign \(campaignID.uuidString.lowercased())", field: "id")
            var orgID = givenOrg
            if orgID == nil { orgID = try await store.orgID(ofCampaign: campaignID) }
            guard let orgID else { throw notFound }
            let progress = DemoProgress(client: store.client, campaign: campaignID, orgID: orgID)
            var previous: DemoProgress.Snapshot?
            while true {
                guard let now = try await progress.snapshot() else { throw notFound }
                // msg/s over the last interval: rows that got an outcome since the previous reading.
                var rate = 0.0
                if let previous {
                    let elapsed = DemoProgress.seconds(now.at - previous.at)
                    if elapsed > 0 { rate = Double(max(0, now.settled - previous.settled)) / elapsed }
                }
                let reason = now.statusReason.map { " (\($0))" } ?? ""
                let line =
                    DemoProgress.line(counts: now.counts, total: now.total, rate: rate)
                    + "  [\(now.status)\(reason)]"
                DemoProgress.show(line, inPlace: inPlace)
                let final = CampaignStatus(rawValue: now.status)?.isFinal ?? false
                if once || final { break }
                previous = now
                try await Task.sleep(for: .milliseconds(intervalMs))
            }
            if inPlace { print() }
        }
    }
}
