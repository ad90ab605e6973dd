import AmplifiEngine
import AmplifiMessaging
import AmplifiRedis
import ArgumentParser
import Foundation
import Logging

/// The options every campaign control command takes: the campaign, its org, `--json`, the stores.
struct CampaignControlOptions: ParsableArguments {
    @Argument(help: "The campaign's UUID.")
    var campaignID: String

    @Option(help: "The organization's UUID (looked up from the campaign when omitted).")
    var org: String?

    @Flag(help: "Print {\"id\": ..., \"status\": ..., ...} instead of one line.")
    var json = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var redis: RedisOptions

    /// Runs `body` with a `CampaignControl`, the campaign and its org; prints the one-line (or JSON)
    /// result. Engine errors print `error: CODE: …` and exit non-zero (``CampaignCommand/run(database:_:)``).
    func run(
        verb: String, _ body: (CampaignControl, UUID, UUID) async throws -> CampaignControl.Outcome
    ) async throws {
        let campaign = try CampaignCommand.uuid(campaignID, option: "ID")
        let explicitOrg = try org.map { try CampaignCommand.uuid($0, option: "--org") }
        let redisClient = try RedisClient(url: try redis.resolvedURL(), maxConnections: 1)
        do {
            try await CampaignCommand.run(database: database) { store in
                var orgID = explicitOrg
                if orgID == nil { orgID = try await store.orgID(ofCampaign: campaign) }
                guard let orgID else {
                    throw EngineError(.notFound, "no campaign \(campaign.uuidString.lowercased())", field: "id")
                }
                var logger = Logger(label: "amplifi.campaign")
                logger.logLevel = .warning
                let control = CampaignControl(
                    client: store.client, redis: redisClient,
                    keys: redis.keys, logger: logger)
                let outcome = try await body(control, campaign, orgID)
                print(try Self.render(outcome, verb: verb, campaign: campaign, json: json))
            }
        } catch {
            await redisClient.close()
            throw error
        }
        await redisClient.close()
    }

    /// `campaign <id> <verb>` (with counts for cancel), or the outcome as one JSON object.
    static func render(_ outcome: CampaignControl.Outcome, verb: String, campaign: UUID, json: Bool) throws -> String {
        let id = campaign.uuidString.lowercased()
        if json {
            let object: [String: any Sendable] = [
                "id": id, "status": outcome.status.rawValue, "canceledMessages": outcome.canceledMessages,
                "clearedJobs": outcome.clearedJobs,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
        if outcome.status == .canceled {
            return "campaign \(id) \(verb) (\(outcome.canceledMessages) unsent messages canceled, "
                + "\(outcome.clearedJobs) queued chunk jobs removed)"
        }
        return "campaign \(id) \(verb)"
    }
}

/// `amplifi campaign pause ID [--org ORG] [--reason R]`: workers stop at their next batch boundary.
struct CampaignPauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a pending, queued or sending campaign (workers stop at their next batch).")

    @OptionGroup var options: CampaignControlOptions

    @Option(help: "Why (stored as the campaign's status_reason).")
    var reason = "paused_by_ops"

    func run() async throws {
        try await options.run(verb: "paused") { control, campaign, org in
            try await control.pause(campaignID: campaign, orgID: org, reason: reason)
        }
    }
}

/// `amplifi campaign resume ID [--org ORG]`: back to pending; continues where it stopped.
struct CampaignResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused campaign: it is re-admitted and continues where it stopped.")

    @OptionGroup var options: CampaignControlOptions

    func run() async throws {
        try await options.run(verb: "resumed") { control, campaign, org in
            try await control.resume(campaignID: campaign, orgID: org)
        }
    }
}

/// `amplifi campaign cancel ID [--org ORG]`: final; unsent messages are canceled.
struct CampaignCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a campaign for good: its unsent messages are canceled and its queued jobs removed.")

    @OptionGroup var options: CampaignControlOptions

    func run() async throws {
        try await options.run(verb: "canceled") { control, campaign, org in
            try await control.cancel(campaignID: campaign, orgID: org)
        }
    }
}
