import AmplifiEngine
import ArgumentParser
import Foundation

/// `amplifi contacts`: bulk contact operations.
struct ContactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contacts",
        abstract: "Bulk contact operations.",
        subcommands: [Import.self])

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
                let rate = report.elapsedSeconds > 0 ? Int(Double(report.rows) / report.elapsedSeconds) : report.rows
                print(
                    "imported \(report.imported) of \(report.rows) rows (\(report.created) created, "
                        + "\(report.merged) merged), rejected \(report.rejected) — \(rate) rows/s")
                for rejection in report.rejections.prefix(20) {
                    print("  line \(rejection.line): \(rejection.reason)")
                }
                if report.rejected > 20 {
                    print(
                        "  … \(report.rejected - 20) more rejected rows (\(report.rejected) in total; use --json for all)"
                    )
                }
            }
        }
    }
}
