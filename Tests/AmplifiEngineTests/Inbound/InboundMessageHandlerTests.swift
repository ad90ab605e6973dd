import AmplifiCarriers
import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

private typealias F = InboundFixtures

/// ReplySender.maxAttempts (internal): claims before a retryable refusal is final.
private enum ReplySenderAttempts {
    static let max = 3
}

@Suite("Inbound messages: keywords, reply credit, auto-replies")
struct InboundMessageHandlerTests {
    @Test func strangersAreStoredWithoutContactAndUnknownNumbersAreNotFound() async throws {
        try await withTestDatabase { client, _ in
            let (org, _, _) = try await F.orgWithContact(client)
            let carrier = F.carrier()
            let handler = try await F.handler(client, carrier: carrier, logger: F.logger)
            let outcome = try await handler.handle(F.message("who is this?", from: "+14045550199"))
            #expect(outcome.stored && outcome.orgID == org)
            #expect(outcome.contactID == nil && outcome.campaignID == nil && outcome.autoReply == nil)
            let (contact, from, keyword) = try await client.query(
                "SELECT contact_id, from_phone, keyword FROM inbound_messages WHERE org_id = \(org)")[0]
                .decode((UUID?, String, String?).self)
            #expect(contact == nil && from == "+14045550199" && keyword == nil)

            await #expect(throws: EngineError.self) {
                _ = try await handler.handle(
                    InboundMessage(providerMessageID: "SMnobody", from: F.contactPhone, to: "+19995550000", body: "hi"))
            }
            do {
                _ = try await handler.handle(
                    InboundMessage(providerMessageID: "SMnobody", from: F.contactPhone, to: "+19995550000", body: "hi"))
            } catch let error as EngineError {
                #expect(error.code == .notFound)
            }
            #expect(carrier.sendLog().isEmpty)
        }
    }

    @Test func aStrangersStopKeepsTheNumberSuppressedThroughALaterImport() async throws {
        try await withTestDatabase { client, _ in
            let (org, _, _) = try await F.orgWithContact(client)
            let handler = try await F.handler(client, carrier: F.carrier(), logger: F.logger)
            let outcome = try await handler.handle(F.message("STOP", from: "+14045550199"))
            let contact = try #require(outcome.contactID)
            #expect(outcome.keyword == .optOut)
            #expect(try await F.optedOut(client, org: org, contact: contact))
            // The organization imports the number later, as subscribed: it stays opted out.
            let csv = FileManager.default.temporaryDirectory.appendingPathComponent("stranger-\(UUID()).csv")
            try "phone,firstName,optedOut\n+14045550199,Sam,false\n".write(to: csv, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: csv) }
            _ = try await ContactImporter(client: client).importFile(org: org, path: csv.path)
            #expect(try await F.optedOut(client, org: org, contact: contact))
            // A redelivered STOP changes nothing.
            let again = try await handler.handle(F.message("STOP", sid: "SMagain", from: "+14045550199"))
            #expect(again.contactID == contact)
        }
    }

    @Test func aContactAwaitingLookupWhoTextsInBecomesTextable() async throws {
        try await withTestDatabase { client, _ in
            let (org, _, contact) = try await F.orgWithContact(client)
            try await client.query("UPDATE contacts SET is_textable = NULL WHERE org_id = \(org) AND id = \(contact)")
            let handler = try await F.handler(client, carrier: F.carrier(), logger: F.logger)
            let outcome = try await handler.handle(F.message("hello"))
            #expect(outcome.contactID == contact)
            let (textable, optedOut) = try await client.query(
                "SELECT is_textable, opted_out_at IS NOT NULL FROM contacts WHERE org_id = \(org) AND id = \(contact)"
            )[0].decode((Bool?, Bool).self)
            #expect(textable == true)
            #expect(!optedOut)
            // A number found not textable by lookup stays so (the carrier knows better than one text).
            try await client.query("UPDATE contacts SET is_textable = false WHERE org_id = \(org) AND id = \(contact)")
            _ = try await handler.handle(F.message("hello again"))
            let still = try await client.query(
                "SELECT is_textable FROM contacts WHERE org_id = \(org) AND id = \(contact)")[0].decode(
                    Bool?.self, at: 0)
            #expect(still == false)
        }
    }

    @Test func aRedeliveredWebhookChangesNothingAndRepliesNothingTwice() async throws {
        try await withTestDatabase { client, _ in
            let (org, sender, contact) = try await F.orgWithContact(client)
            let campaign = try await F.campaign(client, org: org, sender: sender, contact: contact)
            let carrier = F.carrier()
            let handler = try await F.handler(client, carrier: carrier, logger: F.logger)
            let message = F.message("Yes", sid: "SMredelivered")
            let first = try await handler.handle(message)
            #expect(first.stored && first.campaignID == campaign && first.autoReply?.status == .sent)
            let second = try await handler.handle(message)
            #expect(!second.stored && second.autoReply == nil && second.inboundMessageID == nil)
            let stop = F.message("STOP", sid: "SMstop")
            _ = try await handler.handle(stop)
            _ = try await handler.handle(stop)

            #expect(carrier.sendLog().count == 1)
            let (inbound, replies, debits) = try await client.query(
                """
                SELECT (SELECT count(*) FROM inbound_messages WHERE org_id = \(org)),
                       (SELECT count(*) FROM reply_messages WHERE org_id = \(org)),
                       (SELECT count(*) FROM credit_ledger WHERE org_id = \(org) AND kind = 'debit')
                """)[0].decode((Int, Int, Int).self)
            #expect(inbound == 2 && replies == 1 && debits == 1)
            let (replyCount, optOutCount, used) = try await F.counters(client, org: org, campaign: campaign)
            #expect(replyCount == 1 && optOutCount == 1 && used == 1)
        }
    }

    @Test func stopOptsOutAtOnceAndYesOrStartOptsBackIn() async throws {
        try await withTestDatabase { client, _ in
            let (org, sender, contact) = try await F.orgWithContact(client)
            let campaign = try await F.campaign(client, org: org, sender: sender, contact: contact)
            let carrier = F.carrier()
            let handler = try await F.handler(client, carrier: carrier, logger: F.logger)

            let stop = try await handler.handle(F.message("  Stop! "))
            #expect(stop.keyword == .optOut && stop.campaignID == campaign && stop.autoReply == nil)
            #expect(try await F.optedOut(client, org: org, contact: contact))
            #expect(try await F.counters(client, org: org, campaign: campaign) == (0, 1, 0))
            // A second STOP counts no second opt-out; an ordinary message from an opted-out contact
            // is a reply, but gets no auto-reply (docs/product-rules.md#contacts: replies to opted-out contacts are blocked).
            _ = try await handler.handle(F.message("UNSUBSCRIBE"))
            let question = try await handler.handle(F.message("hours?"))
            #expect(question.keyword == .reply && question.autoReply == nil)
            #expect(try await F.counters(client, org: org, campaign: campaign) == (1, 1, 0))

            // YES re-subscribes an opted-out contact (and is not auto-answered) ...
            let yes = try await handler.handle(F.message("yes"))
            #expect(yes.keyword == .optIn && yes.autoReply == nil)
            #expect(!(try await F.optedOut(client, org: org, contact: contact)))
            // ... and from a subscribed contact it is an answer.
            let answer = try await handler.handle(F.message("yes"))
            #expect(answer.keyword == .reply && answer.autoReply?.trigger == .yes && answer.autoReply?.status == .sent)
            // START always opts in; from a subscribed contact it changes nothing.
            let start = try await handler.handle(F.message("START"))
            #expect(start.keyword == .optIn)
            #expect(try await F.counters(client, org: org, campaign: campaign) == (4, 1, 1))
            #expect(carrier.sendLog().count == 1)
        }
    }

    @Test func helpIsStoredAsAKeywordWithoutAReply() async throws {
        try await withTestDatabase { client, _ in
            let (org, sender, contact) = try await F.orgWithContact(client)
            let campaign = try await F.campaign(client, org: org, sender: sender, contact: contact)
            let carrier = F.carrier()
            let outcome = try await F.handler(client, carrier: carrier, logger: F.logger)
                .handle(F.message("help"))
            #expect(outcome.keyword == .help && outcome.autoReply == nil)
            #expect(try await F.counters(client, org: org, campaign: campaign) == (1, 0, 0))
            #expect(carrier.sendLog().isEmpty)
        }
    }

    @Test func repliesAreCreditedToTheCampaignTheContactLastReceived() async throws {
        try await withTestDatabase { client, _ in
            let (org, sender, contact) = try await F.orgWithContact(client)
            let older = try await F.campaign(client, org: org, sender: sender, contact: contact, minutesAgo: 120)
            let latest = try await F.campaign(
                client, org: org, sender: sender, contact: contact, minutesAgo: 60, status: "delivered")
            // Newer rows the carrier never took do not count.
            _ = try await F.campaign(client, org: org, sender: sender, contact: contact, status: "failed")
            _ = try await F.campaign(client, org: org, sender: sender, contact: contact, status: "pending")
            let carrier = F.carrier()
            let outcome = try await F.handler(client, carrier: carrier, logger: F.logger)
                .handle(F.message("Thanks for the reminder"))
            #expect(outcome.campaignID == latest && outcome.contactID == contact)
            let stored = try await client.query(
                "SELECT campaign_id FROM inbound_messages WHERE org_id = \(org)")[0].decode(UUID?.self, at: 0)
            #expect(stored == latest)
            #expect(try await F.counters(client, org: org, campaign: latest).0 == 1)
            #expect(try await F.counters(client, org: org, campaign: older).0 == 0)
        }
    }

    @Test func autoRepliesAreRenderedMeteredAndSentFromTheNumberWritten() async throws {
        try await withTestDatabase { client, _ in
            let (org, sender, contact) = try await F.orgWithContact(client, credits: 10)
            let campaign = try await F.campaign(
                client, org: org, sender: sender, contact: contact, no: "No problem \u{2014} thanks.")
            let carrier = F.carrier()
            let handler = try await F.handler(client, carrier: carrier, logger: F.logger)

            let yes = try await handler.handle(F.message("Yeah!"))
            let no = try await handler.handle(F.message("no"))
            let faq = try await handler.handle(F.message("What are your hours on Friday?"))
            let none = try await handler.handle(F.message("maybe"))
            #expect(yes.autoReply?.trigger == .yes && no.autoReply?.trigger == .no)
            #expect(faq.autoReply?.trigger == .faq(index: 0) && none.autoReply == nil)
            for outcome in [yes, no, faq] {
                #expect(outcome.autoReply?.status == .sent && outcome.autoReply?.credits == 1)
                #expect(outcome.autoReply?.providerMessageID?.hasPrefix("SM") == true)
            }

            // Rendered with the contact's fields, normalized like a campaign (em dash → '-').
            let expected = [
                "Great, see you there Zed!", try MessagePlanner.plan(body: "No problem \u{2014} thanks.").text,
                "We are open 9 to 5.",
            ]
            let log = carrier.sendLog()
            #expect(log.count == 3)
            #expect(log.allSatisfy { $0.from.e164 == F.orgNumber && $0.to.e164 == F.contactPhone && $0.accepted })
            #expect(log.map(\.bodyHash) == expected.map { StableHash.hash(bytes: $0.utf8) })

            let rows = try await client.query(
                """
                SELECT r.status, r.body, r.credits, r.provider_message_id IS NOT NULL, r.campaign_id, r.contact_id,
                       l.batch_id = 'reply:' || r.inbound_message_id::text, l.amount, l.campaign_id
                FROM reply_messages r
                JOIN credit_ledger l ON l.org_id = r.org_id AND l.kind = 'debit'
                                    AND l.batch_id = 'reply:' || r.inbound_message_id::text
                WHERE r.org_id = \(org) ORDER BY r.id
                """)
            #expect(rows.count == 3)
            for (position, row) in rows.enumerated() {
                let (status, body, credits, hasSid, replyCampaign, replyContact, batchMatches, amount, debitCampaign) =
                    try row.decode((String, String, Int, Bool, UUID, UUID?, Bool, Int, UUID?).self)
                #expect(status == "sent" && body == expected[position] && credits == 1 && hasSid)
                #expect(replyCampaign == campaign && replyContact == contact && batchMatches)
                #expect(amount == -1 && debitCampaign == campaign)
            }
            let meter = CreditMeter(client: client)
            #expect(try await meter.balance(orgID: org) == CreditBalance(balance: 7, ledgerSum: 7))
            #expect(try await meter.verifyLedger(orgID: org))
            #expect(try await meter.campaignUsage(orgID: org, campaignID: campaign).isConsistent)
            #expect(try await F.counters(client, org: org, campaign: campaign) == (4, 0, 3))
        }
    }

    @Test func campaignsWithoutAutoReplyAnswerNothing() async throws {
        try await withTestDatabase { client, _ in
            let (org, sender, contact) = try await F.orgWithContact(client)
            _ = try await F.campaign(client, org: org, sender: sender, contact: contact, autoReply: false)
            let carrier = F.carrier()
            let outcome = try await F.handler(client, carrier: carrier, logger: F.logger)
                .handle(F.message("yes"))
            #expect(outcome.stored && outcome.autoReply == nil && carrier.sendLog().isEmpty)
        }
    }

    @Test func unpaidRepliesFailWithInsufficientCredits() async throws {
        try await withTestDatabase { client, _ in
            let (org, sender, contact) = try await F.orgWithContact(client, credits: 0)
            _ = try await F.campaign(client, org: org, sender: sender, contact: contact)
            let carrier = F.carrier()
            let handler = try await F.handler(client, carrier: carrier, logger: F.logger)
            let broke = try await handler.handle(F.message("yes"))
            #expect(broke.autoReply?.status == .failed && broke.autoReply?.errorCode == "INSUFFICIENT_CREDITS")

            try await client.query("INSERT INTO credit_ledger (org_id, kind, amount) VALUES (\(org), 'topup', 50)")
            try await client.query("UPDATE organizations SET billing_active = false WHERE id = \(org)")
            let inactive = try await handler.handle(F.message("no"))
            #expect(inactive.autoReply?.status == .failed && inactive.autoReply?.errorCode == "INSUFFICIENT_CREDITS")

            #expect(carrier.sendLog().isEmpty)
            let failed = try await client.query(
                "SELECT count(*) FROM reply_messages WHERE org_id = \(org) AND status = 'failed' AND error_code = 'INSUFFICIENT_CREDITS'"
            )[0].decode(Int.self, at: 0)
            #expect(failed == 2)
            #expect(try await CreditMeter(client: client).balance(orgID: org).balance == 50)
        }
    }

    @Test func aCarrierRefusalIsRefunded() async throws {
        try await withTestDatabase { client, _ in
            let (org, sender, contact) = try await F.orgWithContact(client, credits: 5)
            let campaign = try await F.campaign(client, org: org, sender: sender, contact: contact)
            let carrier = F.carrier(permanentFailureRate: 1)
            let outcome = try await F.handler(client, carrier: carrier, logger: F.logger)
                .handle(F.message("yes"))
            #expect(outcome.autoReply?.status == .failed && outcome.autoReply?.credits == 0)
            #expect(outcome.autoReply?.errorCode == "21211")
            #expect(carrier.sendLog().count == 1)
            let (status, credits, code) = try await client.query(
                "SELECT status, credits, error_code FROM reply_messages WHERE org_id = \(org)")[0]
                .decode((String, Int, String?).self)
            #expect(status == "failed" && credits == 0 && code == "21211")
            let refunds = try await client.query(
                "SELECT count(*) FROM credit_ledger WHERE org_id = \(org) AND kind = 'refund' AND refund_of_batch LIKE 'reply:%'"
            )[0].decode(Int.self, at: 0)
            #expect(refunds == 1)
            let meter = CreditMeter(client: client)
            #expect(try await meter.balance(orgID: org) == CreditBalance(balance: 5, ledgerSum: 5))
            #expect(try await meter.verifyLedger(orgID: org))
            #expect(
                try await meter.campaignUsage(orgID: org, campaignID: campaign)
                    == CampaignCreditUsage(creditsUsed: 0, ledgerNet: 0))
        }
    }

    @Test func aRefusedRetryIsChargedAnewEachAttemptAndRefundedUntilItFails() async throws {
        try await withTestDatabase { client, _ in
            let (org, sender, contact) = try await F.orgWithContact(client, credits: 5)
            let campaign = try await F.campaign(client, org: org, sender: sender, contact: contact)
            let carrier = SimulatedCarrier(
                configuration: SimulatedCarrierConfiguration(rateLimitRate: 1, recordsLog: true), logger: F.logger)
            let handler = try await F.handler(client, carrier: carrier, logger: F.logger)
            let outcome = try await handler.handle(F.message("yes"))
            #expect(outcome.autoReply?.status == .pending && outcome.autoReply?.credits == 0)
            #expect(try await handler.sendPendingReplies(olderThan: .zero, limit: 10) == 0)
            #expect(try await handler.sendPendingReplies(olderThan: .zero, limit: 10) == 0)
            #expect(try await handler.sendPendingReplies(olderThan: .zero, limit: 10) == 0)
            #expect(carrier.sendLog().count == ReplySenderAttempts.max)
            let (status, attempt) = try await client.query(
                "SELECT status, attempt FROM reply_messages WHERE org_id = \(org)")[0].decode((String, Int).self)
            #expect(status == "failed" && attempt == ReplySenderAttempts.max)
            let batches = try await client.query(
                """
                SELECT kind, coalesce(batch_id, refund_of_batch) FROM credit_ledger
                WHERE org_id = \(org) AND kind IN ('debit', 'refund') ORDER BY id
                """
            ).map { try $0.decode((String, String).self) }
            let base = "reply:\(outcome.inboundMessageID!.uuidString.lowercased())"
            #expect(batches.map(\.0) == ["debit", "refund", "debit", "refund", "debit", "refund"])
            #expect(batches.map(\.1) == [base, base, "\(base):2", "\(base):2", "\(base):3", "\(base):3"])
            let meter = CreditMeter(client: client)
            #expect(try await meter.balance(orgID: org) == CreditBalance(balance: 5, ledgerSum: 5))
            #expect(try await meter.campaignUsage(orgID: org, campaignID: campaign).isConsistent)
        }
    }

    @Test func pendingRepliesAreSentOnceByRacingSweepers() async throws {
        try await withTestDatabase { client, _ in
            let (org, sender, contact) = try await F.orgWithContact(client)
            let campaign = try await F.campaign(client, org: org, sender: sender, contact: contact)
            let carrier = F.carrier()
            let handler = try await F.handler(client, carrier: carrier, logger: F.logger)
            // Stored, then the process "dies" before sending.
            let stored = try await handler.store(F.message("yes"))
            #expect(stored.autoReply?.status == .pending && carrier.sendLog().isEmpty)
            // A redelivery of another message finds nothing to send twice either.
            async let first = handler.sendPendingReplies(olderThan: .zero, limit: 10)
            async let second = try await F.handler(client, carrier: carrier, logger: F.logger)
                .sendPendingReplies(olderThan: .zero, limit: 10)
            let sent = try await first + second
            #expect(sent == 1)
            #expect(carrier.sendLog().count == 1)
            #expect(try await handler.sendPendingReplies(olderThan: .zero, limit: 10) == 0)
            let (status, debits) = try await client.query(
                """
                SELECT (SELECT status FROM reply_messages WHERE org_id = \(org)),
                       (SELECT count(*) FROM credit_ledger WHERE org_id = \(org) AND kind = 'debit')
                """)[0].decode((String, Int).self)
            #expect(status == "sent" && debits == 1)
            #expect(try await F.counters(client, org: org, campaign: campaign) == (1, 0, 1))
        }
    }

    @Test func aReplyLeftAtTheCarrierBecomesUnknownAndIsNeverResent() async throws {
        try await withTestDatabase { client, _ in
            let (org, sender, contact) = try await F.orgWithContact(client)
            _ = try await F.campaign(client, org: org, sender: sender, contact: contact)
            let carrier = F.carrier()
            let handler = try await F.handler(client, carrier: carrier, logger: F.logger)
            _ = try await handler.store(F.message("yes"))
            // A process claimed it and died at the carrier.
            try await client.query(
                "UPDATE reply_messages SET status = 'sending', claimed_at = now(), attempt = 1 WHERE org_id = \(org)")
            #expect(try await handler.expireStaleReplies(olderThan: .zero) == 1)
            #expect(try await handler.sendPendingReplies(olderThan: .zero, limit: 10) == 0)
            #expect(carrier.sendLog().isEmpty)
            let status = try await client.query("SELECT status FROM reply_messages WHERE org_id = \(org)")[0]
                .decode(String.self, at: 0)
            #expect(status == "unknown")
        }
    }

    @Test func aStopDuringACampaignSkipsTheContactAtClaimTime() async throws {
        try await withTestDatabase { client, _ in
            try await SendingFixtures.withRedis { redis in
                let (org, campaign) = try await SendingFixtures.oneChunkCampaign(client, credits: 100, contacts: 5)
                let carrier = F.carrier()
                let outcome = try await F.handler(client, carrier: carrier, logger: F.logger)
                    .handle(F.message("STOP", from: "+13030000002"))
                #expect(outcome.keyword == .optOut && outcome.contactID != nil)

                let chunkSender = SendingFixtures.sender(client, redis: redis, carrier: carrier)
                _ = try await chunkSender.process(ChunkJob(campaignID: campaign, orgID: org, chunk: 0), lease: nil)
                #expect(carrier.sendLog().count == 4)
                #expect(!carrier.sendLog().contains { $0.to.e164 == "+13030000002" })
                let (status, reason) = try await client.query(
                    """
                    SELECT m.status, m.skip_reason FROM campaign_messages m
                    JOIN contacts c ON c.org_id = m.org_id AND c.id = m.contact_id
                    WHERE m.org_id = \(org) AND m.campaign_id = \(campaign) AND c.phone = '+13030000002'
                    """)[0].decode((String, String?).self)
                #expect(status == "skipped" && reason == "opted_out")
            }
        }
    }
}
