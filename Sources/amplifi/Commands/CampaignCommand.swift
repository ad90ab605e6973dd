import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import ArgumentParser
import Foundation
import Logging

/// `amplifi campaign …`: the ops interface to campaigns.
///
/// Subcommands share ``CampaignCommand/run(database:_:)`` (one client, errors printed the same
/// way). Lifecycle commands (pause, resume, cancel, watch, ab-winner) are added beside
/// Create/List/Show.
struct CampaignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Create, list and inspect campaigns.",
        subcommands: [
            Create.self, List.self, Show.self, CampaignABWinnerCommand.self, CampaignWatchCommand.self,
            CampaignPauseCommand.self, CampaignResumeCommand.self, CampaignCancelCommand.self,
        ]
    )

    /// Runs `body` with a store on the configured database; prints engine errors the way scripts
    /// expect (`error: CODE` then one `field: message` line per problem) and exits non-zero.
    static func run(database: DatabaseOptions, _ body: (CampaignStore) async throws -> Void) async throws {
        let client = PostgresClient(url: try database.resolvedURL(), maxConnections: 2)
        do {
            // The CLI prints its own result; the store's info logs would only be noise for scripts.
            var logger = Logger(label: "amplifi.campaigns")
            logger.logLevel = .warning
            try await body(CampaignStore(client: client, logger: logger))
            await client.close()
        } catch let failure as ValidationFailure {
            await client.close()
            var lines = ["error: \(failure.code)"]
            for problem in failure.problems {
                let code = problem.code == .validationFailed ? "" : "\(problem.code): "
                lines.append("  \(problem.field ?? "body"): \(code)\(problem.message)")
            }
            FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            throw ExitCode.validationFailure
        } catch let error as EngineError {
            await client.close()
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode.failure
        } catch {
            await client.close()
            throw error
        }
    }

    /// Parses a UUID argument or fails with a usage error naming the option.
    static func uuid(_ text: String, option: String) throws -> UUID {
        guard let id = UUID(uuidString: text.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("\(option) must be a UUID, got '\(text.prefix(40))'")
        }
        return id
    }

    /// `amplifi campaign create --org ORG --file BODY.json [--draft]`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a campaign from a POST /api/campaigns body (JSON file, or - for stdin).",
            discussion: """
                Prints the created campaign as JSON. With draftId in the body, promotes that draft in place. \
                Invalid input writes nothing, prints every problem and exits with status 64.
                """
        )

        @Option(help: "The organization's UUID.")
        var org: String

        @Option(
            help: ArgumentHelp(
                "The JSON body (fields in docs/product-rules.md#campaigns); - reads stdin.", valueName: "path"))
        var file: String

        @Flag(help: "Save as a draft (POST /api/campaigns/draft): audience and message may be missing.")
        var draft = false

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let orgID = try CampaignCommand.uuid(org, option: "--org")
            let body: Data
            do {
                body =
                    file == "-"
                    ? FileHandle.standardInput.readDataToEndOfFile()
                    : try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw ValidationError("cannot read --file \(file): \(error.localizedDescription)")
            }
            try await CampaignCommand.run(database: database) { store in
                let campaign = try await store.create(orgID: orgID, json: body, mode: draft ? .draft : .submit)
                print(try campaign.jsonText())
            }
        }
    }

    /// `amplifi campaign list --org ORG [--json]`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an organization's campaigns, newest first.")

        @Option(help: "The organization's UUID.")
        var org: String

        @Option(help: "Campaigns per page (1-500).")
        var limit = 50

        @Option(help: "Continue after a previous page (its nextCursor).")
        var cursor: String?

        @Flag(help: "Print {\"campaigns\": [...], \"nextCursor\": ...}.")
        var json = false

        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            _ = try FlagValidation.count(limit, flag: "limit", in: 1...500, unit: "campaigns")
        }

        func run() async throws {
            let orgID = try CampaignCommand.uuid(org, option: "--org")
            try await CampaignCommand.run(database: database) { store in
                let page = try await store.list(orgID: orgID, limit: limit, cursor: cursor)
                if json {
                    print(try CampaignCommand.listJSON(page))
                    return
                }
                print("ID                                    STATUS     CREATED               NAME")
                for campaign in page.campaigns {
                    let status = campaign.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                    print(
                        "\(campaign.id.uuidString.lowercased())  \(status) \(UTCTimestamp.format(campaign.createdAt).prefix(19))Z  \(campaign.name)"
                    )
                }
                if let next = page.nextCursor { print("more: --cursor \(next)") }
            }
        }
    }

    /// The `list --json` document: keys sorted, campaigns as in `show --json`.
    static func listJSON(_ page: CampaignPage) throws -> String {
        struct Document: Encodable {
            let campaigns: [Campaign]
            let nextCursor: String?
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(campaigns, forKey: .campaigns)
                try container.encode(nextCursor, forKey: .nextCursor)
            }
            enum Keys: String, CodingKey { case campaigns, nextCursor }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(
            decoding: try encoder.encode(Document(campaigns: page.campaigns, nextCursor: page.nextCursor)),
            as: UTF8.self)
    }

    /// `amplifi campaign show ID [--org ORG] [--json]`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one campaign: every field, status and counters.")

        @Argument(help: "The campaign's UUID.")
        var id: String

        @Option(help: "The organization's UUID (looked up from the campaign when omitted).")
        var org: String?

        @Flag(help: "Print the campaign as JSON.")
        var json = false

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let campaignID = try CampaignCommand.uuid(id, option: "ID")
            let givenOrg = try org.map { try CampaignCommand.uuid($0, option: "--org") }
            try await CampaignCommand.run(database: database) { store in
                let notFound = EngineError(.notFound, "no campaign \(campaignID.uuidString.lowercased())", field: "id")
                var orgID = givenOrg
                if orgID == nil { orgID = try await store.orgID(ofCampaign: campaignID) }
                guard let orgID, let campaign = try await store.fetch(campaignID: campaignID, orgID: orgID)
                else { throw notFound }
                print(json ? try campaign.jsonText() : CampaignCommand.humanReadable(campaign))
            }
        }
    }

    /// The `show` report for a person (no message bodies beyond the campaign's own template).
    static func humanReadable(_ campaign: Campaign) -> String {
        var lines: [String] = []
        func line(_ label: String, _ value: String?) {
            lines.append("\((label + ":").padding(toLength: 14, withPad: " ", startingAt: 0))\(value ?? "-")")
        }
        line("ID", campaign.id.uuidString.lowercased())
        line("Name", campaign.name)
        line("Status", campaign.status.rawValue + (campaign.statusReason.map { " (\($0))" } ?? ""))
        if campaign.status == .paused, let reason = campaign.statusReason,
            let hint = CampaignPauseReason.unblockHint(reason: reason, orgID: campaign.orgID, campaignID: campaign.id)
        {
            line("To resume", hint)
        }
        switch (campaign.segmentID, campaign.contactFilter) {
        case (let segment?, _): line("Audience", "segment \(segment.uuidString.lowercased())")
        case (nil, let filter?): line("Audience", "filter \(filter.jsonText)")
        default: line("Audience", nil)
        }
        line("From number", campaign.fromPhoneNumberID?.uuidString.lowercased())
        line("Scheduled", campaign.scheduledFor.map(UTCTimestamp.format))
        line("Time zone", campaign.timezone)
        line("Route", "\(campaign.forceRoute.rawValue)\(campaign.mediaURL == nil ? "" : " + media")")
        line("A/B test", campaign.abTest ? "yes\(campaign.abWinner.map { ", winner \($0)" } ?? "")" : "no")
        line("Auto reply", campaign.autoReply ? "yes (\(campaign.faqReplies.count) FAQ)" : "no")
        let counters = campaign.counters
        line(
            "Progress",
            "audience \(counters.audience), queued \(counters.queued), sent \(counters.sent), failed \(counters.failed), "
                + "delivered \(counters.delivered), skipped \(counters.skipped)")
        line("Replies", "\(counters.replies) (opt-outs \(counters.optOuts))")
        line("Credits used", String(counters.creditsUsed))
        line("Created", UTCTimestamp.format(campaign.createdAt))
        return lines.joined(separator: "\n")
    }
}
