import AmplifiCarriers
import AmplifiEngine
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

/// Replies (here an auto-reply) get their delivery status by callback like campaign messages:
/// forward only, finals kept, an `unknown` row settled, another sid never applied, a report that
/// beats the row's record waits for it; the conversation shows the status.
@Suite struct ReplyStatusApplierTests {
    typealias F = InboundFixtures

    /// An auto-reply the simulator accepted: its org, id and sid.
    static func sentReply(_ client: PostgresClient) async throws -> (org: UUID, id: Int64, sid: String) {
        let (org, sender, contact) = try await F.orgWithContact(client)
        _ = try await F.campaign(client, org: org, sender: sender, contact: contact)
        let outcome = try await F.handler(client, carrier: F.carrier(), logger: F.logger).handle(F.message("yes"))
        #expect(outcome.autoReply?.status == .sent)
        let (id, sid) = try await client.query(
            "SELECT id, provider_message_id FROM reply_messages WHERE org_id = \(org)")[0].decode((Int64, String).self)
        return (org, id, sid)
    }

    static func status(_ client: PostgresClient, _ org: UUID, _ id: Int64) async throws -> (String, String?) {
        try await client.query("SELECT status, error_code FROM reply_messages WHERE org_id = \(org) AND id = \(id)")[0]
            .decode((String, String?).self)
    }

    @Test func reportsMoveAReplyForwardOnly() async throws {
        try await withTestDatabase { client, _ in
            let (org, id, sid) = try await Self.sentReply(client)
            let applier = ReplyStatusApplier(client: client, logger: F.logger, recordWait: .milliseconds(300))
            func report(_ status: DeliveryStatus, sid: String = sid, error: Int? = nil) -> CarrierStatusReport {
                CarrierStatusReport(
                    providerMessageID: sid, status: status, error: error.map { CarrierError(twilioCode: $0) })
            }
            #expect(try await applier.apply(orgID: org, replyID: id, report: report(.sent)) == .unchanged)
            #expect(
                try await applier.apply(orgID: org, replyID: id, report: report(.delivered, sid: "SMother"))
                    == .mismatched)
            #expect(try await applier.apply(orgID: org, replyID: id, report: report(.delivered)) == .applied)
            #expect(try await Self.status(client, org, id) == ("delivered", nil))
            // Twice, or a late failure: a final never changes.
            #expect(try await applier.apply(orgID: org, replyID: id, report: report(.delivered)) == .unchanged)
            #expect(
                try await applier.apply(orgID: org, replyID: id, report: report(.failed, error: 30008)) == .unchanged)
            #expect(try await applier.apply(orgID: org, replyID: id + 1_000, report: report(.delivered)) == .notFound)
            let other = UUID()
            #expect(try await applier.apply(orgID: other, replyID: id, report: report(.delivered)) == .notFound)

            // The conversation shows the reply with its status.
            let history = try await ConversationStore(client: client).history(orgID: org, of: .phone(F.contactPhone))
            let reply = try #require(history.messages.first { $0.source == .autoReply })
            #expect(reply.status == .delivered)

            // A reply whose process died before recording (unknown) is settled by a report, with its error.
            try await client.query("UPDATE reply_messages SET status = 'unknown' WHERE org_id = \(org) AND id = \(id)")
            #expect(
                try await applier.apply(orgID: org, replyID: id, report: report(.undelivered, error: 30003)) == .applied
            )
            #expect(try await Self.status(client, org, id) == ("undelivered", "30003"))

            // A report that beats the record waits for it, then gives up (the row is not touched).
            try await client.query(
                "UPDATE reply_messages SET status = 'sending', claimed_at = now() WHERE org_id = \(org) AND id = \(id)")
            #expect(try await applier.apply(orgID: org, replyID: id, report: report(.delivered)) == .notRecorded)
            #expect(try await Self.status(client, org, id).0 == "sending")
        }
    }

    @Test func aReplysCallbackURLNamesTheReplyNotACampaignMessage() {
        let org = UUID(uuidString: "11111111-2222-3333-4444-555555555555")!
        let url = StatusCallbackTarget.replyURL(
            base: "https://hooks.example.org/twilio/status", orgID: org, replyID: 42)
        #expect(url == "https://hooks.example.org/twilio/status/replies/11111111-2222-3333-4444-555555555555/42")
        #expect(StatusCallbackTarget(url: url) == nil)
        #expect(
            StatusCallbackTarget(url: "https://hooks.example.org/twilio/status/\(org.uuidString.lowercased())/42")
                == StatusCallbackTarget(orgID: org, messageID: 42))
    }
}
