import AmplifiCarriers
import AmplifiEngine
import AmplifiPostgres
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Testing

private typealias F = InboundFixtures

/// What an auto-reply may cost: one reply per (contact, campaign, trigger) within the window, and
/// every reply paced by its sender number's fleet-wide rate.
@Suite("Auto-replies: one per trigger and window, paced by the sender number")
struct AutoReplyLimitsTests {
    /// (reply rows, debits in the ledger) of the org.
    static func replyCosts(_ client: PostgresClient, org: UUID) async throws -> (replies: Int, debits: Int) {
        try await client.query(
            """
            SELECT (SELECT count(*)::int FROM reply_messages WHERE org_id = \(org)),
                   (SELECT count(*)::int FROM credit_ledger WHERE org_id = \(org) AND kind = 'debit')
            """)[0].decode((Int, Int).self)
    }

    /// What a test of one auto-replying campaign works with.
    struct Setup {
        var client: PostgresClient
        var org: UUID
        var campaign: UUID
        var carrier: SimulatedCarrier
        var handler: InboundMessageHandler
    }

    /// Runs `body` with an org, its contact, a campaign with auto-replies the contact received, and a handler.
    static func withAutoReplyCampaign(
        maxConnections: Int = 4, _ body: (Setup) async throws -> Void
    ) async throws {
        try await withTestDatabase(maxConnections: maxConnections) { client, _ in
            let (org, sender, contact) = try await F.orgWithContact(client)
            let campaign = try await F.campaign(client, org: org, sender: sender, contact: contact)
            let carrier = F.carrier()
            let handler = try await F.handler(client, carrier: carrier, logger: F.logger)
            try await body(Setup(client: client, org: org, campaign: campaign, carrier: carrier, handler: handler))
        }
    }

    @Test func aHundredYesesFromOneContactCostOneReply() async throws {
        try await Self.withAutoReplyCampaign(maxConnections: 8) { setup in
            let (client, org, campaign, carrier, handler) = (
                setup.client, setup.org, setup.campaign, setup.carrier, setup.handler
            )
            // Delivered concurrently, as a carrier does: the window holds under the race.
            let outcomes = try await withThrowingTaskGroup(of: InboundOutcome.self) { group in
                for index in 0..<100 {
                    group.addTask { try await handler.handle(F.message("YES", sid: "SMyes\(index)")) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0.autoReply != nil }.count == 1)
            #expect(outcomes.filter(\.autoReplyWithheld).count == 99)
            #expect(carrier.sendLog().count == 1)
            let costs = try await Self.replyCosts(client, org: org)
            #expect(costs.replies == 1 && costs.debits == 1)
            // Every message is still stored and counted as a reply.
            let (replies, optOuts, _) = try await F.counters(client, org: org, campaign: campaign)
            #expect(replies == 100 && optOuts == 0)
            let stored = try await client.query("SELECT count(*)::int FROM inbound_messages WHERE org_id = \(org)")[0]
                .decode(Int.self, at: 0)
            #expect(stored == 100)
        }
    }

    @Test func eachTriggerIsAnsweredOncePerWindow() async throws {
        try await Self.withAutoReplyCampaign { setup in
            let (client, org, carrier, handler) = (setup.client, setup.org, setup.carrier, setup.handler)
            #expect(try await handler.handle(F.message("yes")).autoReply?.status == .sent)
            #expect(try await handler.handle(F.message("no")).autoReply?.status == .sent)
            let again = try await handler.handle(F.message("Yes!"))
            #expect(again.autoReply == nil && again.autoReplyWithheld)
            #expect(carrier.sendLog().count == 2)
            #expect(try await Self.replyCosts(client, org: org) == (2, 2))

            // Once the window has passed, the same trigger is answered again.
            try await client.query(
                "UPDATE auto_reply_windows SET last_reply_at = now() - interval '25 hours' WHERE org_id = \(org)")
            #expect(try await handler.handle(F.message("yes")).autoReply?.status == .sent)
            #expect(carrier.sendLog().count == 3)
        }
    }

    @Test func aReplyLoopWithABotStopsAfterOneReply() async throws {
        try await Self.withAutoReplyCampaign { setup in
            let (client, org, carrier, handler) = (setup.client, setup.org, setup.carrier, setup.handler)
            // The "contact" is a bot that answers every text it gets with "Yes".
            var exchanges = 0
            while exchanges < 20 {
                exchanges += 1
                let outcome = try await handler.handle(F.message("Yes", sid: "SMbot\(exchanges)"))
                guard outcome.autoReply?.status == .sent else { break }
            }
            #expect(exchanges == 2)
            #expect(carrier.sendLog().count == 1)
            #expect(try await Self.replyCosts(client, org: org) == (1, 1))
        }
    }

    @Test func aReplyWaitsForItsSenderNumbersRateReservation() async throws {
        try await withTestDatabase { client, _ in
            let (org, sender, contact) = try await F.orgWithContact(client)
            _ = try await F.campaign(client, org: org, sender: sender, contact: contact)
            // One segment every four seconds on this number, for the whole fleet (slow enough that a
            // loaded test machine does not let the bucket drain between the steps).
            try await client.query("UPDATE phone_numbers SET mps = 0.25 WHERE id = \(sender)")
            let carrier = F.carrier()
            let (handler, redis, keys) = try await F.handlerWithKeys(
                client, carrier: carrier, maxRateWait: .seconds(10))
            let bucket = SenderRateLimiter(client: redis, keys: keys, logger: F.logger).key(
                orgID: org, senderID: sender)

            #expect(try await redis.send(["EXISTS", RedisArgument(bucket)]).int == 0)
            #expect(try await handler.handle(F.message("yes")).autoReply?.status == .sent)
            // The reply booked its segment in the number's bucket (shared with the campaign senders).
            #expect(try await redis.send(["EXISTS", RedisArgument(bucket)]).int == 1)

            // The next reply on the same number waits for its slot.
            let clock = ContinuousClock()
            let started = clock.now
            #expect(try await handler.handle(F.message("no")).autoReply?.status == .sent)
            #expect(clock.now - started >= .seconds(2))
            #expect(carrier.sendLog().count == 2)

            // A handler that may not wait that long leaves the reply pending (paid) for the sweep. (The
            // number is booked far ahead first, so a slow test machine cannot let the bucket drain.)
            let limiter = SenderRateLimiter(client: redis, keys: keys, logger: F.logger)
            _ = try await limiter.reserve(orgID: org, senderID: sender, segments: 100, ratePerSecond: 0.25)
            let impatient = InboundMessageHandler(
                client: client, redis: redis, keys: keys, carrier: carrier, maxRateWait: .milliseconds(50),
                logger: F.logger)
            let waiting = try await impatient.handle(F.message("what are your hours?"))
            #expect(waiting.autoReply?.status == .pending)
            #expect(carrier.sendLog().count == 2)
            let status = try await client.query(
                "SELECT status FROM reply_messages WHERE org_id = \(org) ORDER BY id DESC LIMIT 1")[0]
                .decode(String.self, at: 0)
            #expect(status == "pending")
            // The sweep sends it once the number has room (its bookings lapse).
            _ = try await redis.send(["DEL", RedisArgument(bucket)])
            #expect(try await handler.sendPendingReplies(olderThan: .zero, limit: 10) == 1)
            #expect(carrier.sendLog().count == 3)
            #expect(try await Self.replyCosts(client, org: org) == (3, 3))
        }
    }
}
