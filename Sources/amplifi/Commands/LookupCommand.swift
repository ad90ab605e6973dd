import AmplifiEngine
import AmplifiHTTP
import AmplifiObservability
import AmplifiPostgres
import ArgumentParser
import Foundation
import Logging

/// `amplifi lookup`: the background contact lookup role, until SIGTERM/SIGINT.
struct LookupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup",
        abstract: "Resolve lookup-pending contacts of every organization in the background (carrier line types).",
        discussion: """
            Imported contacts whose isTextable is unknown are skipped by campaigns (lookup_pending) until their \
            number's line type is known. This role asks the carrier for them continuously, never-tried \
            contacts first, at --rate lookups per second across the process; replicas share the backlog \
            (each page is claimed with SKIP LOCKED). A number the carrier cannot resolve is tried again \
            after --retry-after-seconds, doubling per attempt, and given up after --max-attempts (logged \
            with the command that tries it again: amplifi contacts lookup --org ORG).
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var admin: AdminOptions
    @OptionGroup var pools: PoolSizeOptions
    @OptionGroup var carrierOptions: CarrierOptions

    @Option(help: "Lookups per second (0.1-1000).")
    var rate: Double = 20

    @Option(help: "Lookups in flight at once (1-256).")
    var concurrency = 8

    @Option(help: "Seconds before an unresolved number is tried again, doubled per attempt (60-604800).")
    var retryAfterSeconds = 3_600

    @Option(help: "Attempts before an unresolved number is given up (1-20).")
    var maxAttempts = 5

    func validate() throws {
        _ = try FlagValidation.rate(rate, flag: "rate", in: 0.1...1_000, unit: "lookups")
        _ = try FlagValidation.count(concurrency, flag: "concurrency", in: 1...256, unit: "lookups in flight")
        _ = try FlagValidation.count(
            retryAfterSeconds, flag: "retry-after-seconds", in: 60...604_800, unit: "seconds")
        _ = try FlagValidation.count(maxAttempts, flag: "max-attempts", in: 1...20, unit: "attempts")
    }

    func run() async throws {
        let runtime = try RoleRuntime.start(role: "lookup", admin: admin)
        let logger = runtime.logger
        let databaseURL = try database.resolvedURL()
        runtime.logStartup([
            "carrier": "\(try carrierOptions.resolvedName())", "rate": "\(rate)",
            "database": "\(RedactedURL.describe(databaseURL))",
        ])
        let client = PostgresClient(url: databaseURL, maxConnections: try pools.postgres(roleDefault: 2))
        try await carrierOptions.withCarrier(logger: logger, maxConcurrentRequests: concurrency) { carrier in
            let service = BackgroundContactLookup(
                client: client, carrier: carrier,
                configuration: .init(
                    ratePerSecond: rate, concurrency: concurrency, retryAfter: .seconds(retryAfterSeconds),
                    maxAttempts: maxAttempts),
                logger: logger)
            let admin = try runtime.adminServices(checks: [DependencyCheck.postgres(client)])
            try await runServices(admin + [service], logger: logger)
        }
        await client.close()
    }
}
