import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import ArgumentParser
import Foundation

/// `amplifi org`: create and inspect organizations.
struct OrgCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "org",
        abstract: "Create and inspect organizations, add credits, turn billing on or off.",
        subcommands: [Create.self, Show.self, Credits.self, Billing.self, Retention.self])

    /// `amplifi org create --name N [--timezone TZ] [--credits N]`: prints the new org id.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an organization; prints its id.",
            discussion: "Opening credits are recorded as a 'topup' ledger row in the same transaction.")

        @OptionGroup var database: DatabaseOptions

        @Option(help: "The organization's name.")
        var name: String

        @Option(help: ArgumentHelp("IANA time zone, the last fallback for quiet hours.", valueName: "tz"))
        var timezone: String = OrganizationStore.defaultTimeZone

        @Option(help: "Opening credits (0 or more).")
        var credits: Int64 = 0

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            try await runReportingErrors(database: database) { client in
                let organization = try await OrganizationStore(client: client).create(
                    name: name, timezone: timezone, credits: credits)
                if json {
                    print(try CommandJSON.encode(organization))
                } else {
                    print(organization.id.uuidString.lowercased())
                }
            }
        }
    }

    /// `amplifi org show ORG`: balance, ledger sum and sender numbers.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an organization: credit balance, ledger sum and sender numbers.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: ArgumentHelp("The organization's id (or its exact name).", valueName: "org"))
        var org: String

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            try await runReportingErrors(database: database) { client in
                let store = OrganizationStore(client: client)
                let organization = try await store.resolve(org)
                let details = try await store.details(org: organization.id)
                if json {
                    print(try CommandJSON.encode(details))
                    return
                }
                let org = details.organization
                print("organization \(org.id.uuidString.lowercased())")
                print("  name:      \(org.name)")
                print("  timezone:  \(org.timezone)")
                print(
                    "  credits:   \(org.creditBalance) (ledger sum \(details.ledgerSum) over \(details.ledgerEntries) entries)"
                )
                print("  billing:   \(org.billingActive ? "active" : "inactive")")
                if details.phoneNumbers.isEmpty {
                    print("  numbers:   none (add one with `amplifi phone-number add`)")
                } else {
                    print("  numbers:")
                    for number in details.phoneNumbers {
                        let mps = NSDecimalNumber(decimal: number.mps).stringValue
                        print(
                            "    \(number.e164)  \(number.kind.rawValue)  \(mps) mps\(number.isDefault ? "  default" : "")  \(number.id.uuidString.lowercased())"
                        )
                    }
                }
            }
        }
    }
}

extension OrgCommand {
    /// `amplifi org credits add ORG N --reason R`: credits through the ledger (a `topup` row).
    struct Credits: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an organization's credits through the ledger.", subcommands: [Add.self])

        /// `amplifi org credits add ORG N --reason R`.
        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add credits (a 'topup' ledger row); prints the new balance.",
                discussion:
                    "Campaigns paused for insufficient_credits stay paused: resume them with `amplifi campaign resume`."
            )

            @OptionGroup var database: DatabaseOptions

            @Argument(help: ArgumentHelp("The organization's id (or its exact name).", valueName: "org"))
            var org: String

            @Argument(help: "Credits to add (more than 0).")
            var amount: Int64

            @Option(help: "Why, recorded on the ledger row (an invoice number, a support ticket).")
            var reason: String

            func run() async throws {
                try await runReportingErrors(database: database) { client in
                    let store = OrganizationStore(client: client)
                    let organization = try await store.resolve(org)
                    print(try await store.topUp(org: organization.id, amount: amount, reason: reason))
                }
            }
        }
    }

    /// `amplifi org billing ORG on|off`.
    struct Billing: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn billing on or off (off: every charge is refused and sending campaigns pause).")

        /// `on` or `off`.
        enum Switch: String, ExpressibleByArgument, CaseIterable {
            case on, off
        }

        @OptionGroup var database: DatabaseOptions

        @Argument(help: ArgumentHelp("The organization's id (or its exact name).", valueName: "org"))
        var org: String

        @Argument(help: "on or off.")
        var state: Switch

        func run() async throws {
            try await runReportingErrors(database: database) { client in
                let store = OrganizationStore(client: client)
                let organization = try await store.resolve(org)
                let changed = try await store.setBilling(org: organization.id, active: state == .on)
                print(
                    "billing \(changed.billingActive ? "active" : "inactive") for \(changed.id.uuidString.lowercased())"
                )
            }
        }
    }
}

extension OrgCommand {
    /// `amplifi org retention ORG DAYS|off`.
    struct Retention: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Keep conversation texts for DAYS days (the scheduler removes older ones), or off to keep them.",
            discussion: """
                Past the window the text of inbound messages and replies is removed, and a conversation whose \
                latest message is that old shows "[redacted]" as its preview; the messages, counts, statuses \
                and the conversation stay. Campaign message texts are the campaign's and are kept.
                """)

        @OptionGroup var database: DatabaseOptions

        @Argument(help: ArgumentHelp("The organization's id (or its exact name).", valueName: "org"))
        var org: String

        @Argument(help: "Days (1-36500), or off.")
        var days: String

        func run() async throws {
            let value: Int?
            if days == "off" {
                value = nil
            } else if let number = Int(days) {
                value = number
            } else {
                throw ValidationError("\"\(days)\" is neither a number of days nor off")
            }
            try await runReportingErrors(database: database) { client in
                let store = OrganizationStore(client: client)
                let organization = try await store.resolve(org)
                try await store.setMessageRetention(org: organization.id, days: value)
                print(
                    "conversation texts kept \(value.map { "for \($0) days" } ?? "for good") in \(organization.id.uuidString.lowercased())"
                )
            }
        }
    }
}

/// JSON output shared by the org, phone-number and contacts commands.
enum CommandJSON {
    /// Sorted keys, ISO 8601 dates, unescaped slashes (time zone names).
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Opens a client on the configured database, runs `body`, and turns an engine error into
/// `error: CODE: field: message` on stderr with a non-zero exit.
func runReportingErrors(
    database: DatabaseOptions, _ body: (PostgresClient) async throws -> Void
) async throws {
    let url = try database.resolvedURL()
    let client = PostgresClient(url: url, maxConnections: 2)
    do {
        try await body(client)
        await client.close()
    } catch let error as any AmplifiError {
        await client.close()
        FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
        throw ExitCode.failure
    } catch let error as PostgresError {
        await client.close()
        FileHandle.standardError.write(Data("error: DATABASE: \(error.description)\n".utf8))
        throw ExitCode.failure
    } catch {
        await client.close()
        throw error
    }
}
