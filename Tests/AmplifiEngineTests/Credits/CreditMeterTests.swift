import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

@Suite("Credit meter: idempotent batch debits, no overdraft, refunds once, books balance")
struct CreditMeterTests {
    /// Inserts an organization with `credits` (a topup ledger row) and one campaign.
    static func seed(_ client: PostgresClient, credits: Int64) async throws -> (org: UUID, campaign: UUID) {
        let org = try await client.query("INSERT INTO organizations (name) VALUES ('org') RETURNING id")[0]
            .decode(UUID.self, at: 0)
        if credits > 0 {
            try await client.query(
                "INSERT INTO credit_ledger (org_id, kind, amount) VALUES (\(org), 'topup', \(credits))")
        }
        let campaign = try await addCampaign(client, org: org)
        return (org, campaign)
    }

    static func addCampaign(_ client: PostgresClient, org: UUID) async throws -> UUID {
        try await client.query(
            """
            INSERT INTO campaigns (org_id, name, message, contact_filter, status)
            VALUES (\(org), 'campaign', 'Hi', '{}'::jsonb, 'sending') RETURNING id
            """)[0].decode(UUID.self, at: 0)
    }

    static func ledgerRows(_ client: PostgresClient, org: UUID, kind: String) async throws -> Int {
        try await client.query("SELECT count(*)::int FROM credit_ledger WHERE org_id = \(org) AND kind = \(kind)")[0]
            .decode(Int.self, at: 0)
    }

    /// The invariants every test ends with: balance == ledger sum (and the journal
    /// replays), and each campaign's credits_used == its debits minus refunds.
    static func expectBooksBalance(_ meter: CreditMeter, org: UUID, campaigns: [UUID]) async throws {
        let balance = try await meter.balance(orgID: org)
        #expect(balance.isConsistent, "balance \(balance.balance) != ledger sum \(balance.ledgerSum)")
        #expect(balance.balance >= 0)
        #expect(try await meter.verifyLedger(orgID: org))
        for campaign in campaigns {
            let usage = try await meter.campaignUsage(orgID: org, campaignID: campaign)
            #expect(usage.isConsistent, "credits_used \(usage.creditsUsed) != ledger net \(usage.ledgerNet)")
        }
    }

    /// Runs `body`, expecting an `EngineError`; returns it.
    static func engineError(_ body: () async throws -> Void) async -> EngineError? {
        do {
            try await body()
            return nil
        } catch let error as EngineError {
            return error
        } catch {
            Issue.record("expected an EngineError, got \(error)")
            return nil
        }
    }

    @Test func aRetriedBatchIsChargedOnce() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign) = try await Self.seed(client, credits: 100)
            let meter = CreditMeter(client: client)
            var outcomes: [CreditReservation] = []
            for _ in 0..<3 {
                outcomes.append(try await meter.reserve(orgID: org, campaignID: campaign, batchID: "b-1", credits: 10))
            }
            #expect(
                outcomes == [.charged(balanceAfter: 90, campaignCreditsUsed: 10), .alreadyCharged, .alreadyCharged])
            #expect(try await meter.balance(orgID: org) == CreditBalance(balance: 90, ledgerSum: 90))
            #expect(try await Self.ledgerRows(client, org: org, kind: "debit") == 1)
            #expect(try await meter.campaignUsage(orgID: org, campaignID: campaign).creditsUsed == 10)
            try await Self.expectBooksBalance(meter, org: org, campaigns: [campaign])
        }
    }

    @Test func concurrentReservationsNeverOverdraw() async throws {
        try await withTestDatabase(maxConnections: 8) { client, _ in
            let (org, first) = try await Self.seed(client, credits: 50)
            let second = try await Self.addCampaign(client, org: org)
            let meter = CreditMeter(client: client)
            // 8 tasks x 3 batches x 7 credits = 168 asked for, 50 available: exactly 7 fit.
            let results = try await withThrowingTaskGroup(of: (charged: Int, refused: Int).self) { group in
                for task in 0..<8 {
                    group.addTask {
                        var charged = 0
                        var refused = 0
                        for batch in 0..<3 {
                            do {
                                let outcome = try await meter.reserve(
                                    orgID: org, campaignID: task.isMultiple(of: 2) ? first : second,
                                    batchID: "t\(task)-b\(batch)", credits: 7)
                                if case .charged = outcome { charged += 1 }
                            } catch let error as EngineError where error.code == .insufficientCredits {
                                refused += 1
                            }
                        }
                        return (charged, refused)
                    }
                }
                return try await group.reduce(into: (charged: 0, refused: 0)) {
                    $0.charged += $1.charged
                    $0.refused += $1.refused
                }
            }
            #expect(results.charged == 7)
            #expect(results.refused == 17)
            #expect(try await meter.balance(orgID: org) == CreditBalance(balance: 1, ledgerSum: 1))
            #expect(try await Self.ledgerRows(client, org: org, kind: "debit") == 7)
            let used =
                try await meter.campaignUsage(orgID: org, campaignID: first).creditsUsed
                + meter.campaignUsage(orgID: org, campaignID: second).creditsUsed
            #expect(used == 49)
            try await Self.expectBooksBalance(meter, org: org, campaigns: [first, second])
        }
    }

    @Test func racingRetriesOfOneBatchAndItsRefundsChargeAndRefundOnce() async throws {
        try await withTestDatabase(maxConnections: 8) { client, _ in
            let (org, campaign) = try await Self.seed(client, credits: 100)
            let meter = CreditMeter(client: client)
            let charged = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let outcome = try await meter.reserve(
                            orgID: org, campaignID: campaign, batchID: "same", credits: 9)
                        if case .charged = outcome { return 1 }
                        return 0
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(charged == 1)
            let refunded = try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await meter.refund(
                            orgID: org, campaignID: campaign, batchID: "same",
                            messages: [(messageID: 1, credits: 2), (messageID: 2, credits: 2)]
                        ).credits
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(refunded == 4)
            #expect(try await meter.balance(orgID: org) == CreditBalance(balance: 95, ledgerSum: 95))
            try await Self.expectBooksBalance(meter, org: org, campaigns: [campaign])
        }
    }

    @Test func aReservationLargerThanTheBalanceThrowsAndWritesNothing() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign) = try await Self.seed(client, credits: 5)
            let meter = CreditMeter(client: client)
            let error = await Self.engineError {
                _ = try await meter.reserve(orgID: org, campaignID: campaign, batchID: "big", credits: 6)
            }
            #expect(error?.code == .insufficientCredits)
            #expect(error?.message.contains("needs 6") == true)
            #expect(error?.message.contains("balance is 5") == true)
            #expect(try await Self.ledgerRows(client, org: org, kind: "debit") == 0)
            #expect(try await meter.balance(orgID: org).balance == 5)
            #expect(try await meter.campaignUsage(orgID: org, campaignID: campaign).creditsUsed == 0)
            let zero = await Self.engineError {
                _ = try await meter.reserve(orgID: org, campaignID: campaign, batchID: "zero", credits: 0)
            }
            #expect(zero?.code == .validationFailed)
            // The exact balance still fits.
            #expect(
                try await meter.reserve(orgID: org, campaignID: campaign, batchID: "big", credits: 5)
                    == .charged(balanceAfter: 0, campaignCreditsUsed: 5))
            try await Self.expectBooksBalance(meter, org: org, campaigns: [campaign])
        }
    }

    @Test func inactiveBillingRefusesNewDebitsButNotRetriesOrRefunds() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign) = try await Self.seed(client, credits: 100)
            let meter = CreditMeter(client: client)
            _ = try await meter.reserve(orgID: org, campaignID: campaign, batchID: "paid", credits: 4)
            try await client.query("UPDATE organizations SET billing_active = false WHERE id = \(org)")

            let error = await Self.engineError {
                _ = try await meter.reserve(orgID: org, campaignID: campaign, batchID: "new", credits: 1)
            }
            #expect(error?.code == .insufficientCredits)
            #expect(error?.message.contains("billing is inactive") == true)
            #expect(error?.field == "billing")
            // A retry of a batch paid before billing stopped is still a no-op, not an error.
            #expect(
                try await meter.reserve(orgID: org, campaignID: campaign, batchID: "paid", credits: 4)
                    == .alreadyCharged)
            // Refunds are not debits: they still go through.
            let refund = try await meter.refund(
                orgID: org, campaignID: campaign, batchID: "paid", messages: [(messageID: 1, credits: 2)])
            #expect(refund == CreditRefund(messagesRefunded: 1, credits: 2, balanceAfter: 98))
            #expect(try await Self.ledgerRows(client, org: org, kind: "debit") == 1)
            try await Self.expectBooksBalance(meter, org: org, campaigns: [campaign])
        }
    }

    @Test func refundsApplyOnceEvenWhenRetried() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign) = try await Self.seed(client, credits: 100)
            let meter = CreditMeter(client: client)
            _ = try await meter.reserve(orgID: org, campaignID: campaign, batchID: "b-1", credits: 10)
            let refused: [(messageID: Int64, credits: Int)] = [
                (messageID: 11, credits: 2), (messageID: 12, credits: 3),
            ]
            var refunds: [CreditRefund] = []
            for _ in 0..<3 {
                refunds.append(
                    try await meter.refund(orgID: org, campaignID: campaign, batchID: "b-1", messages: refused))
            }
            #expect(
                refunds == [
                    CreditRefund(messagesRefunded: 2, credits: 5, balanceAfter: 95),
                    CreditRefund(messagesRefunded: 0, credits: 0, balanceAfter: nil),
                    CreditRefund(messagesRefunded: 0, credits: 0, balanceAfter: nil),
                ])
            // A message of the same batch refused later (a failure callback) is refunded
            // too; one already refunded, listed again, is not.
            let late = try await meter.refund(
                orgID: org, campaignID: campaign, batchID: "b-1",
                messages: [(messageID: 12, credits: 3), (messageID: 13, credits: 1), (messageID: 13, credits: 1)])
            #expect(late == CreditRefund(messagesRefunded: 1, credits: 1, balanceAfter: 96))
            #expect(try await Self.ledgerRows(client, org: org, kind: "refund") == 3)
            #expect(try await meter.balance(orgID: org).balance == 96)
            #expect(try await meter.campaignUsage(orgID: org, campaignID: campaign).creditsUsed == 4)
            try await Self.expectBooksBalance(meter, org: org, campaigns: [campaign])
        }
    }

    /// A message refused, retried in a new batch (charged again) and refused again is
    /// refunded for each charge: the organization never pays for an attempt that failed.
    @Test func aMessageRefusedOnTwoAttemptsIsRefundedForEachCharge() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign) = try await Self.seed(client, credits: 100)
            let meter = CreditMeter(client: client)
            let refused: [(messageID: Int64, credits: Int)] = [(messageID: 7, credits: 2)]
            _ = try await meter.reserve(orgID: org, campaignID: campaign, batchID: "c-1-attempt-1", credits: 2)
            try await meter.refund(orgID: org, campaignID: campaign, batchID: "c-1-attempt-1", messages: refused)
            _ = try await meter.reserve(orgID: org, campaignID: campaign, batchID: "c-1-attempt-2", credits: 2)
            let second = try await meter.refund(
                orgID: org, campaignID: campaign, batchID: "c-1-attempt-2", messages: refused)
            #expect(second.credits == 2)
            // Retrying either refund changes nothing.
            let retried = try await meter.refund(
                orgID: org, campaignID: campaign, batchID: "c-1-attempt-2", messages: refused)
            #expect(retried.credits == 0)
            #expect(try await meter.balance(orgID: org).balance == 100)
            #expect(try await meter.campaignUsage(orgID: org, campaignID: campaign).creditsUsed == 0)
            try await Self.expectBooksBalance(meter, org: org, campaigns: [campaign])
        }
    }

    @Test func refundsNeverExceedWhatTheBatchCost() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign) = try await Self.seed(client, credits: 20)
            let meter = CreditMeter(client: client)
            _ = try await meter.reserve(orgID: org, campaignID: campaign, batchID: "b-1", credits: 3)
            let tooMuch = await Self.engineError {
                try await meter.refund(
                    orgID: org, campaignID: campaign, batchID: "b-1",
                    messages: [(messageID: 1, credits: 2), (messageID: 2, credits: 2)])
            }
            #expect(tooMuch?.code == .validationFailed)
            let unknownBatch = await Self.engineError {
                try await meter.refund(
                    orgID: org, campaignID: campaign, batchID: "never", messages: [(messageID: 1, credits: 1)])
            }
            #expect(unknownBatch?.code == .notFound)
            #expect(try await Self.ledgerRows(client, org: org, kind: "refund") == 0)
            #expect(try await meter.balance(orgID: org).balance == 17)
            try await Self.expectBooksBalance(meter, org: org, campaigns: [campaign])
        }
    }

    @Test func campaignCreditsUsedTracksDebitsMinusRefunds() async throws {
        try await withTestDatabase { client, _ in
            let (org, first) = try await Self.seed(client, credits: 1_000)
            let second = try await Self.addCampaign(client, org: org)
            let meter = CreditMeter(client: client)
            for batch in 0..<5 {
                _ = try await meter.reserve(orgID: org, campaignID: first, batchID: "a\(batch)", credits: 10 + batch)
                _ = try await meter.reserve(orgID: org, campaignID: second, batchID: "b\(batch)", credits: 20)
            }
            try await meter.refund(
                orgID: org, campaignID: first, batchID: "a4",
                messages: [(messageID: 100, credits: 7), (messageID: 101, credits: 7)])
            try await meter.refund(
                orgID: org, campaignID: second, batchID: "b0", messages: [(messageID: 200, credits: 1)])
            #expect(
                try await meter.campaignUsage(orgID: org, campaignID: first)
                    == CampaignCreditUsage(creditsUsed: 46, ledgerNet: 46))
            #expect(
                try await meter.campaignUsage(orgID: org, campaignID: second)
                    == CampaignCreditUsage(creditsUsed: 99, ledgerNet: 99))
            #expect(try await meter.balance(orgID: org).balance == 1_000 - 46 - 99)
            try await Self.expectBooksBalance(meter, org: org, campaigns: [first, second])
        }
    }

    @Test func aReservationInsideACallersTransactionRollsBackWithIt() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign) = try await Self.seed(client, credits: 30)
            struct Abort: Error {}
            do {
                try await client.withTransaction { connection in
                    let meter = CreditMeter(connection: connection)
                    let outcome = try await meter.reserve(orgID: org, campaignID: campaign, batchID: "tx", credits: 10)
                    #expect(outcome == .charged(balanceAfter: 20, campaignCreditsUsed: 10))
                    #expect(try await meter.balance(orgID: org).balance == 20)
                    throw Abort()
                }
            } catch is Abort {}
            let meter = CreditMeter(client: client)
            #expect(try await meter.balance(orgID: org).balance == 30)
            // Committed this time.
            try await client.withTransaction { connection in
                _ = try await CreditMeter(connection: connection).reserve(
                    orgID: org, campaignID: campaign, batchID: "tx", credits: 10)
            }
            #expect(
                try await meter.reserve(orgID: org, campaignID: campaign, batchID: "tx", credits: 10) == .alreadyCharged
            )
            try await Self.expectBooksBalance(meter, org: org, campaigns: [campaign])
        }
    }

    @Test func anotherOrganizationsCampaignIsNotFound() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign) = try await Self.seed(client, credits: 30)
            let (other, _) = try await Self.seed(client, credits: 30)
            let meter = CreditMeter(client: client)
            let error = await Self.engineError {
                _ = try await meter.reserve(orgID: other, campaignID: campaign, batchID: "x", credits: 1)
            }
            #expect(error?.code == .notFound)
            #expect(try await meter.balance(orgID: other).balance == 30)
            #expect(try await meter.balance(orgID: org).balance == 30)
            try await Self.expectBooksBalance(meter, org: other, campaigns: [])
            try await Self.expectBooksBalance(meter, org: org, campaigns: [campaign])
        }
    }
}
