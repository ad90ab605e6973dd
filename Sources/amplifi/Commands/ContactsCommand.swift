import AmplifiEngine
import AmplifiMessaging
import ArgumentParser
import Foundation
import Logging

/// `amplifi contacts`: bulk contact operations.
struct ContactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contacts",
        abstract: "Bulk contact operations.",
        subcommands: [Import.self, Lookup.self])

    /// `amplifi contacts import --org ORG FILE.csv`.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import (create or merge) contacts from a CSV file.",
            discussion: """
                Header names as in the contacts API: phone firstName lastName email address city state zip \
                tags timezone isTextable optedOut (case-insensitive; first_name etc. also accepted). Other \
                columns become custom fields (at most 20). tags: several per cell separated by ';' or ','. \
                A phone already in the organization is merged: non-empty cells overwrite, tags are added, \
                custom fields merged; an opted-out contact is never opted back in. Bad rows are reported \
                with their line number and skipped. Each batch of 1000 rows is committed on its own; \
                rerunning the same file is safe (it merges again, nothing is duplicated).
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("The organization's id (or its exact name).", valueName: "org"))
        var org: String

        @Argument(help: ArgumentHelp("The CSV file.", valueName: "file.csv"))
        var file: String

        @Flag(help: "Print the report as JSON.")
        var json = false

        func run() async throws {
            try await runReportingErrors(database: database) { client in
                let organization = try await OrganizationStore(client: client).resolve(org)
                let report = try await ContactImporter(client: client).importFile(org: organization.id, path: file)
                if json {
                    print(try CommandJSON.encode(report))
                    return
                }
                let rate =
                    report.elapsedSeconds > 0
                    ? Saturating.int(Double(report.rows) / report.elapsedSeconds, rounding: .down) : report.rows
                print(
                    "imported \(report.imported) of \(report.rows) rows (\(report.created) created, "
                        + "\(report.merged) merged), rejected \(report.rejected) — \(rate) rows/s")
                for rejection in report.rejections.prefix(20) {
                    print("  line \(rejection.line) [\(rejection.code)]: \(rejection.reason)")
                }
                if report.rejected > 20 {
                    print(
                        "  … \(report.rejected - 20) more rejected rows (\(report.rejected) in total; use --json for all)"
                    )
                }
            }
        }
    }

    /// `amplifi contacts lookup --org ORG [--limit N] [--concurrency C] [--carrier sim|twilio] [--json]`.
    struct Lookup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lookup",
            abstract: "Resolve whether lookup-pending contacts can receive texts (carrier line-type lookup).",
            discussion: """
                Asks the carrier for the line type of every contact of the organization whose isTextable is \
                not known yet (and that is not deleted and has a phone): mobile and non-fixed VoIP become \
                textable, landlines and the rest not. Pages of 500 contacts, each written back in one \
                statement. A number the carrier cannot resolve (no answer or an error) stays pending and is \
                counted as unresolved; rerun the command to try those again.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("The organization's id (or its exact name).", valueName: "org"))
        var org: String

        @Option(help: "Look up at most this many contacts (default: all pending).")
        var limit: Int?

        @Option(help: "Lookups in flight at once.")
        var concurrency = 8

        @OptionGroup var carrierOptions: CarrierOptions

        @Flag(help: "Print the report as JSON.")
        var json = false

        func validate() throws {
            if let limit { _ = try FlagValidation.count(limit, flag: "limit", in: 1...100_000_000, unit: "contacts") }
            _ = try FlagValidation.count(concurrency, flag: "concurrency", in: 1...256, unit: "lookups in flight")
        }

        func run() async throws {
            let logger = Logger(label: "amplifi.contacts.lookup")
            try await runReportingErrors(database: database) { client in
                let organization = try await OrganizationStore(client: client).resolve(org)
                let report = try await carrierOptions.withCarrier(logger: logger) { carrier in
                    try await ContactLookup(client: client, carrier: carrier, logger: logger)
                        .run(orgID: organization.id, limit: limit, concurrency: concurrency)
                }
                if json {
                    print(try CommandJSON.encode(report))
                    return
                }
                let errors = report.errors.values.reduce(0, +)
                print(
                    "looked up \(report.lookedUp) contacts: \(report.textable) textable, "
                        + "\(report.notTextable) not textable, \(report.unresolved) unresolved"
                        + (errors > 0 ? " (\(errors) lookup errors)" : ""))
                for (code, count) in report.errors.sorted(by: { $0.key < $1.key }) {
                    print("  \(code): \(count)")
                }
            }
        }
    }
}
