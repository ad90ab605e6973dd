import AmplifiEngine
import ArgumentParser
import Foundation

/// `amplifi api-key`: create, list and revoke an organization's API keys.
struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-key",
        abstract: "Create, list and revoke API keys (Authorization: Bearer am_live_…).",
        subcommands: [Create.self, List.self, Revoke.self])

    /// `amplifi api-key create --org ORG --scope S… [--name N] [--expires-in-days D]`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key; prints its secret once (only a hash is stored).",
            discussion: "Scopes: " + APIScope.allCases.map(\.rawValue).joined(separator: ", ") + ".")

        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("The organization's id (or its exact name).", valueName: "org"))
        var org: String

        @Option(
            name: .customLong("scope"),
            help: ArgumentHelp("A scope the key grants (repeat the flag).", valueName: "scope"))
        var scopes: [String] = []

        @Option(help: "A name to tell the key apart (default: \"api key\").")
        var name = "api key"

        @Option(help: "Days until the key expires (1-3650; default: never).")
        var expiresInDays: Int?

        @Flag(help: "Print the key as JSON (with its secret).")
        var json = false

        func validate() throws {
            let unknown = scopes.filter { APIScope(rawValue: $0) == nil }
            if !unknown.isEmpty {
                throw ValidationError(
                    "unknown scope \(unknown.joined(separator: ", ")): use "
                        + APIScope.allCases.map(\.rawValue).joined(separator: ", "))
            }
            if let expiresInDays {
                _ = try FlagValidation.count(expiresInDays, flag: "expires-in-days", in: 1...3_650, unit: "days")
            }
        }

        func run() async throws {
            try await runReportingErrors(database: database) { client in
                let organization = try await OrganizationStore(client: client).resolve(org)
                let (key, secret) = try await APIKeyStore(client: client).create(
                    orgID: organization.id, name: name, scopes: scopes.compactMap(APIScope.init(rawValue:)),
                    expiresAt: expiresInDays.map { Date().addingTimeInterval(Double($0) * 86_400) })
                if json {
                    print(try CommandJSON.encode(CreatedKey(key: key, secret: secret)))
                } else {
                    print(secret)
                    FileHandle.standardError.write(
                        Data(
                            "key \(key.prefix)… (\(key.id.uuidString.lowercased())) created; the secret above is not shown again\n"
                                .utf8))
                }
            }
        }

        /// The `--json` shape: the key and, this once, its secret.
        struct CreatedKey: Encodable {
            var key: APIKey
            var secret: String
        }
    }

    /// `amplifi api-key list --org ORG`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an organization's keys: prefix, name, scopes, created, last used, revoked.")

        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("The organization's id (or its exact name).", valueName: "org"))
        var org: String

        @Flag(help: "Print the keys as JSON.")
        var json = false

        func run() async throws {
            try await runReportingErrors(database: database) { client in
                let organization = try await OrganizationStore(client: client).resolve(org)
                let keys = try await APIKeyStore(client: client).list(orgID: organization.id)
                if json {
                    print(try CommandJSON.encode(keys))
                    return
                }
                let format = ISO8601DateFormatter()
                for key in keys {
                    let state =
                        key.revokedAt.map { "revoked \(format.string(from: $0))" }
                        ?? key.expiresAt.map { "expires \(format.string(from: $0))" } ?? "active"
                    print(
                        "\(key.prefix)  \(key.name)  [\(key.scopes.map(\.rawValue).joined(separator: " "))]  "
                            + "created \(format.string(from: key.createdAt))  "
                            + "last used \(key.lastUsedAt.map { format.string(from: $0) } ?? "never")  \(state)")
                }
            }
        }
    }

    /// `amplifi api-key revoke --org ORG KEY`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a key (by its id or the prefix list shows); requests with it fail from then on.")

        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("The organization's id (or its exact name).", valueName: "org"))
        var org: String

        @Argument(help: ArgumentHelp("The key's id or prefix (am_live_XXXXXXXX).", valueName: "key"))
        var key: String

        func run() async throws {
            try await runReportingErrors(database: database) { client in
                let organization = try await OrganizationStore(client: client).resolve(org)
                let revoked = try await APIKeyStore(client: client).revoke(orgID: organization.id, idOrPrefix: key)
                print("revoked \(revoked.prefix) (\(revoked.id.uuidString.lowercased()))")
            }
        }
    }
}
