import AmplifiMessaging
public import AmplifiPostgres
public import Foundation
public import Logging

/// Charges send batches and refunds refused messages through `credit_ledger`, one
/// statement per batch, idempotently.
///
/// Credits move ONLY by inserting ledger rows: the `credit_ledger_apply` trigger
/// (sql/004_credits.sql) locks the organization row, fills `balance_after`, updates
/// `organizations.credit_balance`, and rejects overdrafts
/// (`credit_ledger_sufficient_credits`) and debits while billing is inactive
/// (`organizations_billing_active`), both SQLSTATE 23514. This type never reads a
/// balance to decide anything: the database decides under its lock, so concurrent
/// workers can never overdraw.
///
/// Two shapes: over a `PostgresClient` (each call is its own implicit transaction),
/// or over a `PostgresConnection` so a call joins the caller's open transaction. In a
/// caller's transaction, reserve before touching the campaign row: every statement
/// here locks the organization row first and the campaign row second, and taking
/// them in the other order elsewhere could deadlock with another worker.
public struct CreditMeter: Sendable {
    enum Executor: Sendable {
        case client(PostgresClient)
        case connection(PostgresConnection)
    }

    let executor: Executor
    let logger: Logger

    /// A meter whose every call runs on its own pooled connection (autocommit).
    public init(client: PostgresClient, logger: Logger = Logger(label: "amplifi.credits")) {
        self.executor = .client(client)
        self.logger = logger
    }

    /// A meter whose calls run on `connection`, inside whatever transaction it has open.
    public init(connection: PostgresConnection, logger: Logger = Logger(label: "amplifi.credits")) {
        self.executor = .connection(connection)
        self.logger = logger
    }

    func run(_ query: PostgresQuery) async throws -> PostgresResult {
        switch executor {
        case .client(let client): try await client.query(query)
        case .connection(let connection): try await connection.query(query)
        }
    }

    // MARK: - SQL

    // The whole reservation is ONE statement so it is atomic without a transaction and
    // costs one round-trip per batch:
    //  * ON CONFLICT DO NOTHING on credit_ledger_batch_once (org_id, batch_id, kind): a
    //    retried batch inserts nothing, and the trigger leaves the balance alone for a
    //    key that already exists (even if the org has since run dry or billing was
    //    switched off), so a retry is a no-op and returns zero rows.
    //  * The campaign counter is bumped by a data-modifying CTE that reads the INSERT's
    //    RETURNING, so it moves only when the ledger row was really written; campaign
    //    totals and the ledger cannot drift. The data dependency also fixes the lock
    //    order: org row (trigger) before campaign row (UPDATE).
    //  * Overdraft / inactive billing raise 23514 from the trigger or the CHECK; the
    //    statement then writes nothing at all.
    //  * With `pricing` (a send claim: the batch id is the claim id), the debit row
    //    itself carries each claimed row's price (priced_message_ids / priced_credits,
    //    sql/012): no second write of every row. The worker writes the prices with the
    //    results; a row whose worker died gets its price from here when the stale-claim
    //    sweep moves it to `unknown`, so whoever settles it refunds what it was charged.
    static func reserveQuery(
        org: UUID, campaign: UUID?, batch: String, credits: Int64, pricing: [(messageID: Int64, credits: Int)] = []
    ) -> PostgresQuery {
        let ids: [Int64]? = pricing.isEmpty ? nil : pricing.map(\.messageID)
        let prices: [Int64]? = pricing.isEmpty ? nil : pricing.map { Int64($0.credits) }
        return """
            WITH debit AS (
                INSERT INTO credit_ledger (org_id, campaign_id, batch_id, kind, amount, reason, priced_message_ids,
                                           priced_credits)
                VALUES (\(org), \(campaign)::uuid, \(batch), 'debit', \(-credits), 'batch', \(ids)::bigint[],
                        \(prices)::int[])
                ON CONFLICT DO NOTHING
                RETURNING campaign_id, amount, balance_after
            ), used AS (
                UPDATE campaigns c SET credits_used = c.credits_used - d.amount
                FROM debit d
                WHERE c.org_id = \(org) AND c.id = d.campaign_id
                RETURNING c.credits_used
            )
            SELECT d.balance_after, u.credits_used FROM debit d LEFT JOIN used u ON true
            """
    }

    // One statement for all of a batch's refused messages (arrays + unnest, never a
    // round-trip per message):
    //  * One 'refund' row per message and charging batch, keyed by
    //    credit_ledger_refund_once (org_id, message_id, refund_of_batch), batch_id left
    //    NULL. A batch-keyed row could hold only ONE refund per batch ever
    //    (credit_ledger_batch_once), so a message refused later (failure callback) or a
    //    results step retried with a different refused set could not be refunded. Keyed
    //    by message alone, a message charged again on a retry and refused again could
    //    not be refunded twice (sql/006). Per (message, charge) keys refund every
    //    refused attempt exactly once, whichever path refunds it first.
    //  * `batch` checks the batch was debited for this campaign and that this call does
    //    not give back more than it cost (a caller bug must not mint credits); if not,
    //    nothing is inserted and the Swift side reports why. The campaign's
    //    credits_used >= 0 CHECK is the backstop across several calls.
    //  * The campaign counter drops by exactly what was inserted now (a retry inserts
    //    nothing and changes nothing).
    static func refundQuery(
        org: UUID, campaign: UUID?, batch: String, messageIDs: [Int64], credits: [Int64], total: Int64
    ) -> PostgresQuery {
        """
        WITH batch AS (
            SELECT -amount AS charged FROM credit_ledger
            WHERE org_id = \(org) AND batch_id = \(batch) AND kind = 'debit'
              AND campaign_id IS NOT DISTINCT FROM \(campaign)::uuid
        ), refunded AS (
            INSERT INTO credit_ledger (org_id, campaign_id, message_id, kind, amount, reason, refund_of_batch)
            SELECT \(org)::uuid, \(campaign)::uuid, m.id, 'refund', m.credits, \("refused, batch \(batch)"), \(batch)
            FROM unnest(\(messageIDs)::bigint[], \(credits)::bigint[]) AS m(id, credits)
            WHERE (SELECT charged FROM batch) >= \(total)::bigint
            ORDER BY m.id
            ON CONFLICT DO NOTHING
            RETURNING amount, balance_after
        ), used AS (
            UPDATE campaigns c SET credits_used = c.credits_used - r.total
            FROM (SELECT sum(amount) AS total FROM refunded) r
            WHERE c.org_id = \(org) AND c.id = \(campaign)::uuid AND r.total IS NOT NULL
            RETURNING 1
        )
        SELECT (SELECT charged FROM batch), count(*)::bigint, coalesce(sum(amount), 0)::bigint, max(balance_after)
        FROM refunded
        """
    }

    // One statement = one snapshot (READ COMMITTED), so balance and sum are read at the
    // same instant; credit_ledger_org_created_idx keeps the sum to this org's rows.
    static func balanceQuery(org: UUID) -> PostgresQuery {
        """
        SELECT o.credit_balance,
               (SELECT coalesce(sum(l.amount), 0)::bigint FROM credit_ledger l WHERE l.org_id = o.id)
        FROM organizations o WHERE o.id = \(org)
        """
    }

    // Besides balance == sum, replays the journal: in id order every balance_after
    // must equal the running sum (the trigger numbers rows under the org lock, so id
    // order is commit order). Reads every ledger row of the org: an ops check, not
    // something to run per batch.
    static func verifyQuery(org: UUID) -> PostgresQuery {
        """
        SELECT o.credit_balance = coalesce(s.total, 0) AND coalesce(s.replay_ok, true)
        FROM organizations o
        LEFT JOIN LATERAL (
            SELECT sum(r.amount) AS total, bool_and(r.balance_after = r.running) AS replay_ok
            FROM (
                SELECT l.amount, l.balance_after, sum(l.amount) OVER (ORDER BY l.id) AS running
                FROM credit_ledger l WHERE l.org_id = o.id
            ) r
        ) s ON true
        WHERE o.id = \(org)
        """
    }

    // credit_ledger_campaign_idx (org_id, campaign_id) keeps this to the campaign's rows.
    static func campaignUsageQuery(org: UUID, campaign: UUID) -> PostgresQuery {
        """
        SELECT c.credits_used,
               (SELECT coalesce(-sum(l.amount), 0)::bigint FROM credit_ledger l
                WHERE l.org_id = c.org_id AND l.campaign_id = c.id AND l.kind IN ('debit', 'refund'))
        FROM campaigns c WHERE c.org_id = \(org) AND c.id = \(campaign)
        """
    }

    // MARK: - API

    /// Charges `credits` (> 0) for batch `batchID` of a campaign, in one statement.
    ///
    /// A retry with the same batch id returns `.alreadyCharged` and charges nothing.
    /// Throws `INSUFFICIENT_CREDITS` when the balance is too low or billing is inactive
    /// (nothing is written; the caller pauses the campaign with `insufficient_credits`),
    /// `NOT_FOUND` for an unknown organization or a campaign not in it.
    /// With `pricing` (a send claim whose id is `batchID`), each claimed row's price is kept on the
    /// debit row itself (`priced_message_ids` / `priced_credits`), so whoever puts the row back later can
    /// refund exactly what was charged.
    public func reserve(
        orgID: UUID, campaignID: UUID?, batchID: String, credits: Int, pricing: [(messageID: Int64, credits: Int)] = []
    ) async throws -> CreditReservation {
        guard credits > 0 else {
            throw EngineError(
                .validationFailed, "must be more than 0: a batch that costs nothing needs no reservation",
                field: "credits")
        }
        guard !batchID.isEmpty else {
            throw EngineError(
                .validationFailed, "is required: the batch id makes the charge idempotent", field: "batchID")
        }
        let metadata: Logger.Metadata = [
            "org_id": .id(orgID), "campaign_id": campaignID.map(Logger.MetadataValue.id) ?? "none",
            "batch_id": "\(batchID)", "credits": "\(credits)",
        ]
        let rows: PostgresResult
        do {
            rows = try await run(
                Self.reserveQuery(
                    org: orgID, campaign: campaignID, batch: batchID, credits: Int64(credits), pricing: pricing))
        } catch let error as PostgresError {
            let mapped = await mapLedgerError(error, orgID: orgID, campaignID: campaignID, credits: Int64(credits))
            if let engineError = mapped as? EngineError, engineError.code == .insufficientCredits {
                logger.info(
                    "batch not charged", metadata: metadata.merging(["reason": "\(error.constraint ?? "")"]) { $1 })
            }
            throw mapped
        }
        guard let row = rows.first else {
            logger.debug("batch already charged", metadata: metadata)
            return .alreadyCharged
        }
        let (balance, used) = try row.decode((Int64, Int64?).self)
        logger.debug("batch charged", metadata: metadata)
        return .charged(balanceAfter: balance, campaignCreditsUsed: used)
    }

    /// Gives back the credits of a batch's refused messages, in one statement: one refund
    /// row per message, so a retry (or a later callback for the same message) never
    /// refunds twice. Returns what this call refunded. Throws `NOT_FOUND` when the batch
    /// was never charged for this campaign, `VALIDATION_FAILED` when the messages cost
    /// more than the batch did or a message's credits are not > 0, `CONFLICT` when the
    /// refund would take the campaign's `credits_used` below zero.
    @discardableResult
    public func refund(
        orgID: UUID, campaignID: UUID?, batchID: String, messages: [(messageID: Int64, credits: Int)]
    ) async throws -> CreditRefund {
        // A message listed twice is refunded once (its first entry).
        var seen = Set<Int64>()
        var ids: [Int64] = []
        var amounts: [Int64] = []
        for message in messages where seen.insert(message.messageID).inserted {
            guard message.credits > 0 else {
                throw EngineError(
                    .validationFailed, "message \(message.messageID) must refund more than 0 credits", field: "credits")
            }
            ids.append(message.messageID)
            amounts.append(Int64(message.credits))
        }
        guard !ids.isEmpty else { return CreditRefund(messagesRefunded: 0, credits: 0, balanceAfter: nil) }
        let total = amounts.reduce(0, +)

        let rows: PostgresResult
        do {
            rows = try await run(
                Self.refundQuery(
                    org: orgID, campaign: campaignID, batch: batchID, messageIDs: ids, credits: amounts, total: total))
        } catch let error as PostgresError
            where error.hasSQLState(.checkViolation) && error.constraint?.hasPrefix("campaigns_") == true
        {
            throw EngineError(
                .conflict,
                "refunding \(total) credits would exceed what campaign \(campaignID.map { "\($0)" } ?? "-") has spent; "
                    + "some of these messages were refunded under another batch",
                field: "messages")
        } catch let error as PostgresError {
            throw await mapLedgerError(error, orgID: orgID, campaignID: campaignID, credits: total)
        }
        let (charged, count, refunded, balance) = try rows[0].decode((Int64?, Int64, Int64, Int64?).self)
        guard let charged else {
            throw EngineError(
                .notFound, "batch '\(batchID)' was never charged: nothing to refund",
                field: "batchID")
        }
        guard charged >= total else {
            throw EngineError(
                .validationFailed,
                "the messages cost \(total) credits but batch '\(batchID)' was charged \(charged): refund at most what was charged",
                field: "messages")
        }
        logger.debug(
            "refused messages refunded",
            metadata: [
                "org_id": .id(orgID), "campaign_id": campaignID.map(Logger.MetadataValue.id) ?? "none",
                "batch_id": "\(batchID)", "messages": "\(count)", "credits": "\(refunded)",
            ])
        return CreditRefund(messagesRefunded: Int(count), credits: refunded, balanceAfter: balance)
    }

    /// The organization's balance and its ledger's sum, read at one instant (`NOT_FOUND`
    /// for an unknown organization).
    public func balance(orgID: UUID) async throws -> CreditBalance {
        guard let row = try await run(Self.balanceQuery(org: orgID)).first else {
            throw EngineError(.notFound, "no organization with id \(orgID)", field: "org")
        }
        let (balance, sum) = try row.decode((Int64, Int64).self)
        return CreditBalance(balance: balance, ledgerSum: sum)
    }

    /// Whether the organization's books are consistent: balance == ledger sum, and every
    /// ledger row's `balance_after` equals the running sum in id order (`NOT_FOUND` for
    /// an unknown organization). Reads the whole ledger of the organization.
    public func verifyLedger(orgID: UUID) async throws -> Bool {
        guard let row = try await run(Self.verifyQuery(org: orgID)).first else {
            throw EngineError(.notFound, "no organization with id \(orgID)", field: "org")
        }
        return try row.decode(Bool.self, at: 0)
    }

    /// A campaign's `credits_used` next to its ledger's net spend (`NOT_FOUND` when the
    /// campaign is not in the organization).
    public func campaignUsage(orgID: UUID, campaignID: UUID) async throws -> CampaignCreditUsage {
        guard let row = try await run(Self.campaignUsageQuery(org: orgID, campaign: campaignID)).first else {
            throw EngineError(.notFound, "no campaign \(campaignID) in organization \(orgID)", field: "campaign")
        }
        let (used, net) = try row.decode((Int64, Int64).self)
        return CampaignCreditUsage(creditsUsed: used, ledgerNet: net)
    }

    // MARK: - Errors

    /// Maps the ledger's constraint errors to engine errors a person can act on; other
    /// errors pass through unchanged.
    func mapLedgerError(_ error: PostgresError, orgID: UUID, campaignID: UUID?, credits: Int64) async -> any Error {
        switch (error.sqlState, error.constraint) {
        case (SQLState.checkViolation.rawValue, "credit_ledger_sufficient_credits"):
            let have =
                await currentBalanceIfCheap(orgID: orgID).map { " but the balance is \($0)" }
                ?? " but the balance is lower"
            return EngineError(
                .insufficientCredits,
                "not enough credits: this batch needs \(credits)\(have); add credits to the organization, then resume the campaign",
                field: "credits")
        case (SQLState.checkViolation.rawValue, "organizations_billing_active"):
            return EngineError(
                .insufficientCredits,
                "billing is inactive for organization \(orgID): no credits can be spent until billing is reactivated; then resume the campaign",
                field: "billing")
        case (SQLState.foreignKeyViolation.rawValue, "credit_ledger_org_id_fkey"):
            return EngineError(.notFound, "no organization with id \(orgID)", field: "org")
        case (SQLState.foreignKeyViolation.rawValue, "credit_ledger_campaign_fkey"):
            return EngineError(
                .notFound, "no campaign \(campaignID.map { "\($0)" } ?? "-") in organization \(orgID)",
                field: "campaign")
        default:
            return error
        }
    }

    /// The balance for an error message, only when it costs no correctness: on a pooled
    /// client (a fresh statement), never on a caller's connection, whose transaction the
    /// failed statement has just aborted.
    func currentBalanceIfCheap(orgID: UUID) async -> Int64? {
        guard case .client(let client) = executor else { return nil }
        let rows = try? await client.query("SELECT credit_balance FROM organizations WHERE id = \(orgID)")
        return try? rows?.first?.decode(Int64.self, at: 0)
    }
}
