import AmplifiEngine
import AmplifiMessaging
import ArgumentParser
import Foundation

/// `amplifi phone-number`: manage an organization's sender numbers.
struct PhoneNumberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "phone-number",
        abstract: "Manage an organization's sender numbers.",
        subcommands: [Add.self])

    /// `amplifi phone-number add --org ORG --number E164 [--mps N] [--kind K] [--default]`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a sender number to an organization.",
            discussion: """
                The number is normalized to E.164 and must not belong to any organization yet. \
                --default makes it the org's default sender (the previous default stops being one); \
                an org's first number becomes its default anyway.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("The organization's id (or its exact name).", valueName: "org"))
        var org: String

        @Option(help: ArgumentHelp("The number, e.g. +19195551234 or (919) 555-1234.", valueName: "e164"))
        var number: String

        @Option(
            help: ArgumentHelp("Throughput budget in messages (segments) per second; decimals allowed.", valueName: "n")
        )
        var mps: String = "1"

        @Option(help: ArgumentHelp("long_code, toll_free or short_code.", valueName: "kind"))
        var kind: String = SenderNumberKind.longCode.rawValue

        @Flag(name: .customLong("default"), help: "Make this the organization's default sender.")
        var isDefault = false

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            try await runReportingErrors(database: database) { client in
                guard let kind = SenderNumberKind(rawValue: kind) else {
                    throw EngineError(.validationFailed, "must be long_code, toll_free or short_code", field: "kind")
                }
                let digitsAndDot = mps.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
                guard digitsAndDot, mps.filter({ $0 == "." }).count <= 1,
                    let mps = Decimal(string: mps, locale: Locale(identifier: "en_US_POSIX"))
                else {
                    throw EngineError(.validationFailed, "must be a number, e.g. 1 or 0.25", field: "mps")
                }
                let organization = try await OrganizationStore(client: client).resolve(org)
                let added = try await PhoneNumberStore(client: client).add(
                    org: organization.id, number: number, mps: mps, kind: kind, isDefault: isDefault)
                if json {
                    print(try CommandJSON.encode(added))
                } else {
                    print(added.id.uuidString.lowercased())
                }
            }
        }
    }
}
