import AmplifiEngine
import AmplifiMessaging
import AmplifiRedis
import ArgumentParser
import Foundation
import Logging

/// `amplifi campaign ab-winner ID A|B`: ops pick the A/B winner; the held 90% is released to it.
struct CampaignABWinnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ab-winner",
        abstract: "Pick the A/B test's winner and release the held audience to it.")

    @Argument(help: "The campaign's UUID.")
    var campaignID: String

    @Argument(help: "A or B.")
    var variant: String

    @Option(help: "The organization's UUID (looked up from the campaign when omitted).")
    var org: String?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var redis: RedisOptions

    func run() async throws {
        guard let campaign = UUID(uuidString: campaignID) else {
            throw ValidationError("\(campaignID) is not a campaign id (a UUID)")
        }
        let redisClient = try RedisClient(url: try redis.resolvedURL(), maxConnections: 1)
        try await CampaignCommand.run(database: database) { store in
            var orgID = org.flatMap(UUID.init(uuidString:))
            if orgID == nil { orgID = try await store.orgID(ofCampaign: campaign) }
            guard let orgID else {
                throw EngineError(.notFound, "no campaign \(campaign.uuidString.lowercased())", field: "id")
            }
            var logger = Logger(label: "amplifi.campaign")
            logger.logLevel = .warning
            let released = try await ABWinnerSelection(
                client: store.client, redis: redisClient,
                keys: redis.keys, logger: logger
            ).choose(campaignID: campaign, orgID: orgID, variant: variant)
            print("winner \(variant.uppercased()): \(released) held recipients released")
        }
        await redisClient.close()
    }
}
