public import AmplifiCarriers
public import AmplifiPostgres
import Foundation
public import Logging
public import ServiceLifecycle

/// The worker's settle step for messages whose fate is unknown (the carrier's answer was lost after
/// the request was written, or a worker died holding the claim): every `interval` it lists the
/// carrier's messages for each such row (`To` + `From` since its claim, matched by body): exactly one
/// → `sent` with its sid (callbacks then apply); none, once `settleAfter` has passed since the claim
/// → back to `pending` with its charge refunded, to be sent again; several → stays `unknown`,
/// reported. One settler runs at a time across the fleet (a Postgres advisory lock), so the carrier
/// is asked once per row and pass.
public struct UnknownSettlerService: Service {
    let client: PostgresClient
    let backfill: StatusBackfill
    let interval: Duration
    let logger: Logger

    /// Advisory lock namespace of "a settler is running".
    static let settlerLockSpace: Int32 = 0x616d_7003

    /// A settler asking `carrier` about unknown rows at least `olderThan` old (first look), putting
    /// back those the carrier never created once `settleAfter` passed.
    public init(
        client: PostgresClient, carrier: any Carrier, interval: Duration = .seconds(5),
        olderThan: Duration = .seconds(5), settleAfter: Duration = .seconds(120), maxAttempts: Int = 5,
        logger: Logger = Logger(label: "amplifi.settle")
    ) {
        self.client = client
        self.backfill = StatusBackfill(
            client: client, carrier: carrier,
            configuration: StatusBackfillConfiguration(
                olderThan: olderThan, limit: 1_000, rate: 20, concurrency: 4, pageSize: 100, onlyUnknown: true,
                settleAfter: settleAfter, maxAttempts: maxAttempts),
            logger: logger)
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                _ = try await settleOnce()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("settling unknown messages failed; retrying", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One pass, when no other settler holds the lock (nil then).
    public func settleOnce() async throws -> StatusBackfillReport? {
        let backfill = backfill
        let result = try await client.withAdvisoryLockIfFree(space: Self.settlerLockSpace, key: "settle") {
            try await backfill.run()
        }
        guard let report = result else { return nil }
        if report.checked > 0 {
            logger.info(
                "unknown messages settled",
                metadata: [
                    "checked": "\(report.checked)", "sent": "\(report.updatedTotal)", "put_back": "\(report.putBack)",
                    "ambiguous": "\(report.ambiguous)", "not_found_yet": "\(report.notFound)",
                ])
        }
        return report
    }
}
