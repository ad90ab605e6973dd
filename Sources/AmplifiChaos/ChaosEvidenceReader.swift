import AmplifiCarrierSimulator
import AmplifiPostgres
import Foundation

/// Reads a chaos run's evidence from the database once everything has stopped: whole tables, since
/// the judging is done in memory, independently of the engine's own queries.
struct ChaosEvidenceReader {
    let client: PostgresClient
    let scenario: ChaosScenario

    /// Grace for a message already on its way when the STOP was stored: the workers re-read
    /// opt-outs mid-claim when the last read is 0.5 s old, plus the carrier's latency.
    static let optOutGrace: TimeInterval = 1.0

    /// The evidence, with `carrierLog` from the simulator.
    func read(carrierLog: [CarrierSimulatorLogEntry], burstSeconds: Double) async throws -> ChaosEvidence {
        let rows = try await client.query(
            """
            SELECT id, campaign_id, contact_id, status, coalesce(credits, 0), defer_until, error_code
            FROM campaign_messages
            """
        ).map { row in
            let (id, campaign, contact, status, credits, deferUntil, errorCode) = try row.decode(
                (Int64, UUID, UUID?, String, Int, Date?, String?).self)
            return ChaosEvidence.Row(
                id: id, campaignID: campaign, contactID: contact, status: status, credits: credits,
                deferUntil: deferUntil, errorCode: errorCode)
        }
        let contacts = try await client.query(
            "SELECT id, phone, coalesce(timezone, ''), state, opted_out_at FROM contacts WHERE phone IS NOT NULL"
        ).map { row in
            let (id, phone, zone, state, optedOut) = try row.decode((UUID, String, String, String?, Date?).self)
            return ChaosEvidence.Contact(
                id: id, phone: phone, timezone: zone, state: state, optedOutAt: optedOut,
                notTextableAtStart: scenario.notTextable.contains(phone))
        }
        let audience = Dictionary(
            scenario.campaigns.map { ($0.id, $0.audience) }, uniquingKeysWith: { first, _ in first })
        let campaigns = try await client.query(
            """
            SELECT c.id, c.name, c.status, c.sent_count::int, c.delivered_count::int, c.undelivered_count::int,
                   c.failed_count::int, c.skipped_count::int, c.credits_used,
                   (SELECT coalesce(-sum(amount), 0) FROM credit_ledger l
                    WHERE l.org_id = c.org_id AND l.campaign_id = c.id AND l.kind IN ('debit', 'refund'))::bigint
            FROM campaigns c
            """
        ).map { row in
            let (id, name, status, sent, delivered, undelivered, failed, skipped, used, net) = try row.decode(
                (UUID, String, String, Int, Int, Int, Int, Int, Int64, Int64).self)
            return ChaosEvidence.Campaign(
                id: id, name: name, status: status, audience: audience[id] ?? 0, sent: sent, delivered: delivered,
                undelivered: undelivered, failed: failed, skipped: skipped, creditsUsed: used, ledgerNet: net)
        }
        let books = try await client.query(
            """
            SELECT o.name, o.credit_balance,
                   (SELECT coalesce(sum(amount), 0) FROM credit_ledger WHERE org_id = o.id)::bigint,
                   (SELECT coalesce(min(running), 0) FROM (
                        SELECT sum(amount) OVER (ORDER BY id) AS running FROM credit_ledger WHERE org_id = o.id) r)::bigint
            FROM organizations o
            """
        ).map { row in
            let (name, balance, ledger, lowest) = try row.decode((String, Int64, Int64, Int64).self)
            return ChaosEvidence.Books(name: name, balance: balance, ledgerSum: ledger, lowestRunningBalance: lowest)
        }
        let budgets = try await client.query("SELECT e164, mps::float8 FROM phone_numbers").map { row in
            let (number, mps) = try row.decode((String, Double).self)
            return ChaosEvidence.Budget(number: number, messagesPerSecond: mps, burstSeconds: burstSeconds)
        }
        return ChaosEvidence(
            carrierLog: carrierLog, rows: rows, contacts: contacts, campaigns: campaigns, books: books,
            budgets: budgets, readAt: Date(), optOutGrace: Self.optOutGrace)
    }

    /// Counts for the report: rows by status (and skip reason), campaigns by status, opt-outs.
    func figures() async throws -> [String: Int] {
        var figures: [String: Int] = [:]
        for row in try await client.query(
            """
            SELECT 'rows: ' || status || coalesce(' (' || skip_reason || ')', ''), count(*)::int
            FROM campaign_messages GROUP BY 1
            UNION ALL
            SELECT 'campaigns: ' || status, count(*)::int FROM campaigns GROUP BY 1
            UNION ALL
            SELECT 'contacts opted out', count(*)::int FROM contacts WHERE opted_out_at IS NOT NULL
            """)
        {
            let (name, count) = try row.decode((String, Int).self)
            figures[name] = count
        }
        return figures
    }
}
