public import AmplifiCarriers
public import AmplifiPostgres
import CoreMetrics
import Foundation
public import Logging
public import ServiceLifecycle

/// The `amplifi lookup` role's loop: resolves lookup-pending contacts of every organization in the
/// background, at a set rate, so imported contacts do not wait for someone to run
/// `amplifi contacts lookup` (campaigns skip them as `lookup_pending` until then).
///
/// Each page is claimed in one statement: the pending contacts tried longest ago (never-tried ones
/// first) get `lookup_attempted_at = now()` and one more attempt under `FOR UPDATE SKIP LOCKED`, so
/// replicas share the backlog without asking twice for a number. A number the carrier cannot
/// resolve is tried again after `retryAfter`, doubling with every attempt, and given up (left
/// pending, logged and counted) after `maxAttempts`. Pages are paced to `ratePerSecond` lookups.
///
/// Metrics: `amplifi_lookups_total{outcome}` with `textable`, `not_textable`, `unresolved` and
/// `gave_up` (unresolved on its last attempt).
public struct BackgroundContactLookup: Service {
    /// How fast, how wide and how persistent the lookups are.
    public struct Configuration: Sendable {
        /// Lookups per second across this process.
        public var ratePerSecond: Double
        /// Lookups in flight at once.
        public var concurrency: Int
        /// The wait before an unresolved number is tried again (doubled per earlier attempt).
        public var retryAfter: Duration
        /// Attempts before a number is given up.
        public var maxAttempts: Int
        /// The pause when nothing is due.
        public var idlePause: Duration

        /// A configuration; the defaults suit a single replica against Twilio Lookup.
        public init(
            ratePerSecond: Double = 20, concurrency: Int = 8, retryAfter: Duration = .seconds(3_600),
            maxAttempts: Int = 5, idlePause: Duration = .seconds(5)
        ) {
            self.ratePerSecond = ratePerSecond
            self.concurrency = concurrency
            self.retryAfter = retryAfter
            self.maxAttempts = maxAttempts
            self.idlePause = idlePause
        }
    }

    let lookup: ContactLookup
    let configuration: Configuration
    let logger: Logger

    /// A background lookup over `client` asking `carrier`.
    public init(client: PostgresClient, carrier: any Carrier, configuration: Configuration, logger: Logger) {
        self.lookup = ContactLookup(client: client, carrier: carrier, logger: logger)
        self.configuration = configuration
        self.logger = logger
        for outcome in ["textable", "not_textable", "unresolved", "gave_up"] {
            Counter(label: "amplifi_lookups_total", dimensions: [("outcome", outcome)]).increment(by: 0)
        }
    }

    /// Claims up to `limit` due contacts; returns each with the attempt this is.
    static func claimQuery(limit: Int, retryAfter: Duration, maxAttempts: Int) -> PostgresQuery {
        """
        UPDATE contacts c SET lookup_attempted_at = now(), lookup_attempts = c.lookup_attempts + 1
        FROM (SELECT org_id, id FROM contacts
              WHERE is_textable IS NULL AND deleted_at IS NULL AND phone IS NOT NULL
                AND lookup_attempts < \(maxAttempts)
                AND (lookup_attempted_at IS NULL
                     OR lookup_attempted_at < now() - make_interval(
                            secs => \(retryAfter.asSeconds) * power(2, greatest(lookup_attempts - 1, 0))))
              ORDER BY lookup_attempted_at NULLS FIRST
              LIMIT \(limit)
              FOR UPDATE SKIP LOCKED) AS due
        WHERE c.org_id = due.org_id AND c.id = due.id
        RETURNING c.org_id, c.id, c.phone, c.lookup_attempts::int
        """
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let looked: Int
                do {
                    looked = try await runOnce()
                } catch is CancellationError {
                    return
                } catch {
                    // A database outage: log, wait, try again.
                    logger.error("background lookup failed", metadata: ["error": "\(error)"])
                    looked = 0
                }
                if looked == 0 { try await Task.sleep(for: configuration.idlePause) }
            }
        }
    }

    /// Claims, looks up and writes back one page, then waits out the page's share of the rate;
    /// returns how many contacts were looked up (0: nothing was due).
    @discardableResult
    public func runOnce() async throws -> Int {
        let started = ContinuousClock.now
        let pageSize = min(500, max(1, Int(configuration.ratePerSecond * 2)))
        let rows = try await lookup.client.query(
            Self.claimQuery(
                limit: pageSize, retryAfter: configuration.retryAfter, maxAttempts: configuration.maxAttempts))
        guard !rows.isEmpty else { return 0 }
        var page: [ContactLookup.PendingContact] = []
        var lastAttempt: Set<UUID> = []
        for row in rows {
            let (orgID, id, phone, attempt) = try row.decode((UUID, UUID, String, Int).self)
            page.append(ContactLookup.PendingContact(orgID: orgID, id: id, phone: phone))
            if attempt >= configuration.maxAttempts { lastAttempt.insert(id) }
        }
        var report = ContactLookupReport()
        let unresolved = try await lookup.lookUpAndWrite(page, width: configuration.concurrency, into: &report)
        let givenUp = unresolved.filter { lastAttempt.contains($0.id) }
        for contact in givenUp {
            logger.warning(
                "contact lookup given up: the carrier could not resolve the number",
                metadata: [
                    "org_id": .id(contact.orgID), "contact_id": .id(contact.id),
                    "attempts": "\(configuration.maxAttempts)",
                    "unblock": "amplifi contacts lookup --org \(contact.orgID.uuidString.lowercased()) tries again",
                ])
        }
        let gaveUp = givenUp.count
        for (outcome, count) in [
            ("textable", report.textable), ("not_textable", report.notTextable),
            ("unresolved", report.unresolved - gaveUp), ("gave_up", gaveUp),
        ] where count > 0 {
            Counter(label: "amplifi_lookups_total", dimensions: [("outcome", outcome)]).increment(by: count)
        }
        logger.info(
            "contacts looked up",
            metadata: [
                "contacts": "\(page.count)", "textable": "\(report.textable)",
                "not_textable": "\(report.notTextable)", "unresolved": "\(report.unresolved)",
                "gave_up": "\(gaveUp)",
            ])
        let share = Duration.seconds(Double(page.count) / max(configuration.ratePerSecond, 0.001))
        try await Task.sleep(until: started + share, clock: .continuous)
        return page.count
    }
}
