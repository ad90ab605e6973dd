public import AmplifiCarriers
import AmplifiMessaging
public import AmplifiPostgres
import Foundation
public import Logging

/// Polls the carrier for messages stuck without a final status and applies what it says
/// (`amplifi backfill-status`).
///
/// Candidates: rows still `sent` whose last news (`sent_at`, or the last check) is older than
/// `olderThan`, and `unknown` rows (the worker died before recording) claimed longer ago than
/// that and not checked since. Paged by id (memory flat), at most `limit` rows, carrier requests
/// paced to `rate` per second with at most `concurrency` in flight. A row with a sid is fetched
/// by sid; an `unknown` row without one is looked up by listing the messages to its phone since
/// the claim day, keeping those from the campaign's sender created within
/// [claimed_at − 1 min, claimed_at + 15 min]: exactly one settles the row, zero or several leave
/// it `unknown` (never resent, never guessed). Each page's reports go through
/// `DeliveryStatusApplier.apply` (source `backfill`), then the page's checked rows are stamped
/// (`status_checked_at`), so an interrupted run can be rerun without polling them again.
public struct StatusBackfill: Sendable {
    let client: PostgresClient
    let carrier: any Carrier
    let configuration: StatusBackfillConfiguration
    let logger: Logger

    /// A backfill over `client` asking `carrier`.
    public init(
        client: PostgresClient, carrier: any Carrier, configuration: StatusBackfillConfiguration, logger: Logger
    ) {
        self.client = client
        self.carrier = carrier
        self.configuration = configuration
        self.logger = logger
    }

    // MARK: - SQL

    // One page of candidates, keyset by id through campaign_messages_backfill_idx (id WHERE status
    // IN ('sent', 'unknown')), so each page costs the same however far the run has got. Across all
    // organizations on purpose (an ops duty, like the stale-claim sweep); org_id comes back with
    // each row and every later statement filters by it. The cutoff is the database's clock, like
    // sent_at and claimed_at. greatest() ignores a NULL status_checked_at. The sender is resolved
    // as the send pipeline resolves it (SendBatchStore.campaignQuery): the campaign's stored number,
    // else the org's default.
    // With `onlyUnknown` (the worker's settle step) only `unknown` rows not settled yet
    // (status_checked_at NULL), claimed longer ago than the cutoff. `past_grace` tells, on the same
    // clock, whether a row the carrier does not know may be put back.
    // Bounds (`horizon`, `maxChecks`): rows sent or claimed before the horizon, or checked the most
    // times allowed, are left out (``givenUpQuery`` counts them).
    static func candidatesQuery(
        after: Int64, olderThanSeconds: Double, settleAfterSeconds: Double, onlyUnknown: Bool, limit: Int,
        horizon: Duration? = nil, maxChecks: Int? = nil
    ) -> PostgresQuery {
        let filter =
            onlyUnknown
            ? "m.status = 'unknown' AND m.status_checked_at IS NULL AND m.claimed_at"
            : "m.status IN ('sent', 'unknown') AND greatest(CASE WHEN m.status = 'sent' THEN m.sent_at ELSE m.claimed_at END, m.status_checked_at)"
        let bounds = boundsFilter(horizon: horizon, maxChecks: maxChecks, within: true)
        return """
            SELECT m.id, m.org_id, m.status, m.provider_message_id, m.phone, m.claimed_at, p.e164,
                   m.campaign_id, m.contact_id, m.claim_id, coalesce(m.credits, 0) AS credits, m.attempt, m.body,
                   m.claimed_at < now() - make_interval(secs => \(settleAfterSeconds)::float8) AS past_grace
            FROM campaign_messages m
            JOIN campaigns c ON c.org_id = m.org_id AND c.id = m.campaign_id
            LEFT JOIN phone_numbers p ON p.org_id = c.org_id AND p.id = coalesce(c.from_phone_number_id,
                (SELECT d.id FROM phone_numbers d WHERE d.org_id = c.org_id AND d.is_default ORDER BY d.created_at LIMIT 1))
            WHERE m.status IN ('sent', 'unknown') AND m.id > \(after)
              AND \(unescaped: filter) < now() - make_interval(secs => \(olderThanSeconds)::float8)
              AND \(unescaped: bounds)
            ORDER BY m.id
            LIMIT \(limit)
            """
    }

    // The bounds as SQL over `m`: rows within them (`within`), or past them. Numbers only, from
    // the configuration, so the text is safe to splice.
    static func boundsFilter(horizon: Duration?, maxChecks: Int?, within: Bool) -> String {
        var past: [String] = []
        if let horizon {
            past.append(
                "coalesce(m.sent_at, m.claimed_at) < now() - make_interval(secs => \(horizon.asSeconds)::float8)")
        }
        if let maxChecks { past.append("m.status_checks >= \(maxChecks)") }
        guard !past.isEmpty else { return within ? "true" : "false" }
        let any = "(" + past.joined(separator: " OR ") + ")"
        return within ? "NOT \(any)" : any
    }

    // The rows a bounded run no longer polls (counted once per run, through the same partial index).
    static func givenUpQuery(horizon: Duration?, maxChecks: Int?) -> PostgresQuery {
        """
        SELECT count(*)::int FROM campaign_messages m
        WHERE m.status IN ('sent', 'unknown')
          AND \(unescaped: boundsFilter(horizon: horizon, maxChecks: maxChecks, within: false))
        """
    }

    // Stamps the rows checked in one page, in one statement (arrays + unnest), after their reports
    // were applied: a run interrupted in between polls that page again, which is harmless.
    static func stampQuery(ids: [Int64], orgIDs: [UUID]) -> PostgresQuery {
        """
        UPDATE campaign_messages m SET status_checked_at = now(), status_checks = m.status_checks + 1
        FROM unnest(\(ids)::bigint[], \(orgIDs)::uuid[]) AS s(id, org_id)
        WHERE m.org_id = s.org_id AND m.id = s.id
        """
    }

    // MARK: - Run

    /// What the carrier said about one candidate.
    enum Outcome: Sendable {
        case report(CarrierStatusReport, method: String)
        case notFound
        case ambiguous
        case error(code: String)
    }

    /// Runs until no candidate is left, `limit` rows were checked or `shouldStop` answers true at a
    /// page boundary (then the report says `interrupted`); returns the tally.
    public func run(shouldStop: @Sendable () -> Bool = { false }) async throws -> StatusBackfillReport {
        let applier = DeliveryStatusApplier(client: client, logger: logger)
        let limiter = PacingLimiter(rate: configuration.rate)
        let olderThan = (max(.zero, configuration.olderThan)).asSeconds
        var report = StatusBackfillReport()
        if configuration.horizon != nil || configuration.maxChecks != nil {
            report.givenUp = try await client.query(
                Self.givenUpQuery(horizon: configuration.horizon, maxChecks: configuration.maxChecks))[0].decode(
                    Int.self, at: 0)
        }
        var after: Int64 = 0
        while true {
            try Task.checkCancellation()
            if shouldStop() {
                report.interrupted = true
                break
            }
            let remaining = configuration.limit.map { $0 - report.checked } ?? Int.max
            guard remaining > 0 else { break }
            let page = try await candidates(
                after: after, olderThan: olderThan, limit: min(configuration.pageSize, remaining))
            guard let last = page.last else { break }
            after = last.id
            let outcomes = try await ask(page, limiter: limiter)
            var events: [DeliveryEvent] = []
            var checked: [BackfillCandidate] = []
            var putBack: [BackfillCandidate] = []
            for (candidate, outcome) in zip(page, outcomes) {
                report.checked += 1
                switch outcome {
                case .report(let status, let method):
                    if !status.status.isFinal { report.pendingAtCarrier += 1 }
                    events.append(
                        DeliveryEvent(
                            orgID: candidate.orgID, messageID: candidate.id, report: status,
                            raw: Self.rawFields(status, method: method), source: .backfill))
                    checked.append(candidate)
                case .notFound where candidate.status == .unknown:
                    // The message was never created, or not yet visible. Past the grace the request
                    // cannot still be in flight: put the row back to be sent. Before it: ask again later
                    // (not stamped, so the campaign keeps waiting for it).
                    if candidate.pastGrace, candidate.claimID != nil {
                        putBack.append(candidate)
                    } else {
                        report.notFound += 1
                        if candidate.claimID == nil { checked.append(candidate) }
                    }
                case .notFound:
                    report.notFound += 1
                    checked.append(candidate)
                case .ambiguous:
                    report.ambiguous += 1
                    checked.append(candidate)
                case .error:
                    report.errors += 1
                }
            }
            if !events.isEmpty {
                let summary = try await applier.apply(events)
                report.updated.merge(summary.appliedByStatus, uniquingKeysWith: +)
                report.kept += summary.kept
            }
            if !checked.isEmpty {
                try await client.query(Self.stampQuery(ids: checked.map(\.id), orgIDs: checked.map(\.orgID)))
            }
            report.putBack += try await putBackNeverCreated(putBack)
            try await completeSettledCampaigns(page.filter { $0.status == .unknown })
            logger.info(
                "backfill page done",
                metadata: [
                    "rows": "\(page.count)", "reports": "\(events.count)", "put_back": "\(putBack.count)",
                    "last_id": "\(after)",
                ])
        }
        return report
    }

    /// Puts `unknown` rows the carrier never created back to `pending`, refunding what their claim
    /// charged, in one statement per campaign (the send pipeline's record statement, guarded by
    /// `status = 'unknown'` and the row's claim, so a row a callback settled meanwhile is left alone).
    /// A row whose attempts ran out fails instead (`not_created`), refunded too. Returns rows written.
    func putBackNeverCreated(_ rows: [BackfillCandidate]) async throws -> Int {
        let store = SendBatchStore(client: client)
        var written = 0
        for group in Dictionary(grouping: rows, by: { CampaignKey(orgID: $0.orgID, campaignID: $0.campaignID) }) {
            let records = group.value.compactMap { row -> RecordedMessage? in
                guard let claimID = row.claimID else { return nil }
                let exhausted = row.attempt >= configuration.maxAttempts
                return RecordedMessage(
                    id: row.id, contactID: row.contactID, claimID: claimID, status: exhausted ? .failed : .pending,
                    errorCode: exhausted ? "not_created" : nil, credits: row.credits > 0 ? 0 : nil,
                    refund: row.credits)
            }
            let outcome = try await store.record(
                campaignID: group.key.campaignID, orgID: group.key.orgID, expected: .unknown, rows: records)
            written += outcome.written
            logger.notice(
                "unknown messages never created at the carrier; put back to be sent",
                metadata: [
                    "org_id": .id(group.key.orgID), "campaign_id": .id(group.key.campaignID),
                    "rows": "\(outcome.written)", "refunded_credits": "\(outcome.refunded)",
                ])
        }
        return written
    }

    /// Completes the campaigns whose last open rows were `unknown` rows this page settled (the same
    /// guarded statement the workers run after their last claim).
    func completeSettledCampaigns(_ rows: [BackfillCandidate]) async throws {
        let store = SendBatchStore(client: client)
        for key in Set(rows.map { CampaignKey(orgID: $0.orgID, campaignID: $0.campaignID) }) {
            if try await store.completeIfDone(campaignID: key.campaignID, orgID: key.orgID) {
                logger.info(
                    "campaign completed (its unknown messages settled)",
                    metadata: ["org_id": .id(key.orgID), "campaign_id": .id(key.campaignID)])
            }
        }
    }

    /// A campaign within its organization.
    struct CampaignKey: Hashable {
        var orgID: UUID
        var campaignID: UUID
    }

    /// One page of candidates after `after`.
    func candidates(after: Int64, olderThan: Double, limit: Int) async throws -> [BackfillCandidate] {
        let rows = try await client.query(
            Self.candidatesQuery(
                after: after, olderThanSeconds: olderThan,
                settleAfterSeconds: (configuration.settleAfter).asSeconds,
                onlyUnknown: configuration.onlyUnknown, limit: limit, horizon: configuration.horizon,
                maxChecks: configuration.maxChecks))
        return try rows.map { row in
            let (id, orgID, status, sid, phone, claimedAt, from) = try row.decode(
                (Int64, UUID, MessageStatus, String?, String?, Date?, String?).self)
            return BackfillCandidate(
                id: id, orgID: orgID, status: status, providerMessageID: sid, phone: phone, claimedAt: claimedAt,
                from: from, campaignID: try row.decode(UUID.self, named: "campaign_id"),
                contactID: try row.decode(UUID.self, named: "contact_id"),
                claimID: try row.decode(UUID?.self, named: "claim_id"),
                credits: try row.decode(Int.self, named: "credits"),
                attempt: try row.decode(Int.self, named: "attempt"),
                body: try row.decode(String?.self, named: "body"),
                pastGrace: try row.decode(Bool?.self, named: "past_grace") ?? false)
        }
    }

    /// Asks the carrier about every candidate of a page, at most `concurrency` at once, each request
    /// paced by `limiter`; outcomes come back in the page's order.
    func ask(_ page: [BackfillCandidate], limiter: PacingLimiter) async throws -> [Outcome] {
        var outcomes = [Outcome](repeating: .notFound, count: page.count)
        try await withThrowingTaskGroup(of: (Int, Outcome).self) { group in
            var next = 0
            func launch() {
                let position = next
                let candidate = page[position]
                next += 1
                group.addTask { (position, try await self.ask(candidate, limiter: limiter)) }
            }
            while next < page.count, next < configuration.concurrency { launch() }
            while let (position, outcome) = try await group.next() {
                outcomes[position] = outcome
                if next < page.count { launch() }
            }
        }
        return outcomes
    }

    /// Asks the carrier about one candidate. Carrier failures become `.error` (cancellation propagates).
    func ask(_ candidate: BackfillCandidate, limiter: PacingLimiter) async throws -> Outcome {
        try await limiter.acquire()
        do {
            if let sid = candidate.providerMessageID {
                guard let status = try await carrier.fetch(providerMessageID: sid) else { return .notFound }
                return .report(status, method: "fetch")
            }
            guard let phone = candidate.phone, let claimedAt = candidate.claimedAt, let from = candidate.from else {
                return .notFound
            }
            let listed = try await carrier.listMessages(to: PhoneNumber(trustedE164: phone), sentOnOrAfter: claimedAt)
            switch BackfillListMatch.pick(listed, from: from, claimedAt: claimedAt, body: candidate.body) {
            case .single(let message): return .report(message.report, method: "list")
            case .noCandidate: return .notFound
            case .several: return .ambiguous
            }
        } catch let error as CarrierError {
            logger.warning(
                "carrier request failed during backfill",
                metadata: ["message_id": "\(candidate.id)", "org_id": .id(candidate.orgID), "code": "\(error.code)"])
            return .error(code: error.code)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as any AmplifiError {
            // A listing refused as a whole (a foreign next page, too many pages): its code, like a carrier's.
            logger.warning(
                "carrier request failed during backfill",
                metadata: [
                    "message_id": "\(candidate.id)", "org_id": .id(candidate.orgID), "code": "\(error.code)",
                ])
            return .error(code: error.code.rawValue)
        } catch {
            logger.warning(
                "carrier request failed during backfill",
                metadata: [
                    "message_id": "\(candidate.id)", "org_id": .id(candidate.orgID), "error": "\(type(of: error))",
                ])
            return .error(code: "transport")
        }
    }

    /// The polled fields kept as evidence in `delivery_events.raw` (Twilio's callback field names).
    static func rawFields(_ report: CarrierStatusReport, method: String) -> [(key: String, value: String)] {
        var fields: [(key: String, value: String)] = [
            ("MessageSid", report.providerMessageID), ("MessageStatus", report.status.rawValue),
            ("BackfillMethod", method),
        ]
        if let error = report.error { fields.append(("ErrorCode", error.code)) }
        return fields
    }
}
