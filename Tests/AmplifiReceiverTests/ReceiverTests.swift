import AmplifiCarriers
import AmplifiEngine
import AmplifiLocalServers
import AmplifiPostgres
import AmplifiReceiver
import AmplifiTestSupport
import Foundation
import Testing

/// The receiver over real HTTP and a real database: signatures, group-committed status batches,
/// forward-only statuses, staged reports, inbound opt-outs, health and metrics.
@Suite("amplifi receiver")
struct ReceiverTests {
    /// An org with a number, `count` contacts and a sending campaign with one row per contact,
    /// in `status` with provider ids `SMtest<n>`.
    struct Fixture {
        let org: UUID
        let campaign: UUID
        let ids: [Int64]

        static func make(_ client: PostgresClient, count: Int = 3, status: String = "sent") async throws -> Fixture {
            let org = try await client.query(
                "INSERT INTO organizations (name, timezone) VALUES ('rx', 'America/New_York') RETURNING id"
            )[0].decode(UUID.self, at: 0)
            try await client.query(
                "INSERT INTO phone_numbers (org_id, e164, is_default, mps, kind) VALUES (\(org), '+19195550111', true, 100, 'long_code')"
            )
            try await client.query(
                """
                INSERT INTO contacts (org_id, phone, first_name, is_textable)
                SELECT \(org), '+1919666' || lpad(n::text, 4, '0'), 'C' || n, true FROM generate_series(1, \(count)) n
                """)
            let campaign = try await client.query(
                """
                INSERT INTO campaigns (org_id, name, message, contact_filter, status)
                VALUES (\(org), 'rx', 'Hi', '{}'::jsonb, 'sending') RETURNING id
                """)[0].decode(UUID.self, at: 0)
            let claimed = status == "sending" || status == "unknown"
            let ids = try await client.query(
                """
                INSERT INTO campaign_messages (org_id, campaign_id, contact_id, phone, status, provider_message_id,
                                               sent_at, claimed_by, claimed_at)
                SELECT \(org), \(campaign), c.id, c.phone, \(status),
                       CASE WHEN \(status) IN ('sent') THEN 'SMtest' || substr(c.phone, 9) END,
                       CASE WHEN \(status) = 'sent' THEN now() END,
                       CASE WHEN \(claimed) THEN 'w' END, CASE WHEN \(claimed) THEN now() END
                FROM contacts c WHERE c.org_id = \(org) ORDER BY c.phone
                RETURNING id
                """
            ).map { try $0.decode(Int64.self, at: 0) }.sorted()
            try await client.query(
                "UPDATE campaigns SET sent_count = (SELECT count(*) FROM campaign_messages WHERE campaign_id = \(campaign) AND status = 'sent') WHERE id = \(campaign)"
            )
            return Fixture(org: org, campaign: campaign, ids: ids)
        }

        func sid(_ index: Int) -> String { "SMtest" + String(format: "%04d", index + 1) }

        /// The callback path a worker gives the carrier for row `index`: `/twilio/status/<org>/<id>`.
        func path(_ index: Int) -> String {
            StatusCallbackTarget.url(base: ReceiverRoutes.statusPath, orgID: org, messageID: ids[index])
        }

        func row(_ client: PostgresClient, _ index: Int) async throws -> (String, String?) {
            try await client.query(
                "SELECT status, provider_message_id FROM campaign_messages WHERE id = \(ids[index])"
            )[0].decode((String, String?).self)
        }

        func counters(_ client: PostgresClient) async throws -> (
            sent: Int, delivered: Int, undelivered: Int, failed: Int
        ) {
            let row = try await client.query(
                """
                SELECT sent_count::int, delivered_count::int, undelivered_count::int, failed_count::int
                FROM campaigns WHERE id = \(campaign)
                """)[0].decode((Int, Int, Int, Int).self)
            return (row.0, row.1, row.2, row.3)
        }
    }

    @Test func rejectsMissingOrWrongSignaturesWith403() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await Fixture.make(client, count: 1)
            try await ReceiverHarness.with(client) { receiver in
                let path = fixture.path(0)
                let fields = ReceiverHarness.statusFields(sid: fixture.sid(0), status: "delivered")
                let unsigned = try await receiver.post(path, fields: fields, signWith: nil)
                #expect(unsigned.status == 403)
                #expect(unsigned.body.contains("SIGNATURE_MISSING"))
                let wrong = try await receiver.post(path, fields: fields, signWith: "another-token")
                #expect(wrong.status == 403)
                // Signed for another message id: the URL is part of the signature.
                var tampered = fields
                tampered.append(("Extra", "1"))
                #expect(try await fixture.row(client, 0).0 == "sent")
                let ok = try await receiver.post(path, fields: tampered)
                #expect(ok.status == 200)
                #expect(try await fixture.row(client, 0).0 == "delivered")
                #expect(receiver.metrics.render().contains(#"amplifi_receiver_rejected_total{reason="signature"} 2"#))
            }
        }
    }

    @Test func statusesMoveForwardOnlyAndDuplicatesAreHarmless() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await Fixture.make(client, count: 2)
            try await ReceiverHarness.with(client) { receiver in
                let path = fixture.path(0)
                for status in ["delivered", "sent", "queued", "delivered", "undelivered"] {
                    let reply = try await receiver.post(
                        path, fields: ReceiverHarness.statusFields(sid: fixture.sid(0), status: status))
                    #expect(reply.status == 200)
                }
                // The second message fails after acceptance (30008).
                let failed = try await receiver.post(
                    fixture.path(1),
                    fields: ReceiverHarness.statusFields(sid: fixture.sid(1), status: "failed", errorCode: 30008))
                #expect(failed.status == 200)
                #expect(try await fixture.row(client, 0).0 == "delivered")
                #expect(try await fixture.row(client, 1).0 == "failed")
                let counters = try await fixture.counters(client)
                #expect(counters.sent == 1)
                #expect(counters.delivered == 1)
                #expect(counters.undelivered == 0)
                #expect(counters.failed == 1)
            }
        }
    }

    @Test func manyConcurrentCallbacksAreAppliedInFewBatches() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await Fixture.make(client, count: 200)
            try await ReceiverHarness.with(client) { receiver in
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in fixture.ids.indices {
                        group.addTask {
                            try await receiver.post(
                                fixture.path(index),
                                fields: ReceiverHarness.statusFields(sid: fixture.sid(index), status: "delivered")
                            ).status
                        }
                    }
                    for try await status in group { #expect(status == 200) }
                }
                #expect(try await fixture.counters(client).delivered == 200)
                let metrics = receiver.metrics.render()
                let batches =
                    metrics.split(separator: "\n").first { $0.hasPrefix("amplifi_receiver_status_batches_total ") }
                    .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
                #expect(batches >= 1)
                #expect(batches < 200, "callbacks should share batches (group commit)")
            }
        }
    }

    @Test func aCallbackThatBeatsTheSendRecordIsKeptAndAppliedLater() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await Fixture.make(client, count: 1, status: "sending")
            try await ReceiverHarness.with(client) { receiver in
                let reply = try await receiver.post(
                    fixture.path(0), fields: ReceiverHarness.statusFields(sid: "SMlate0001", status: "delivered"))
                #expect(reply.status == 200)
                // The worker has not recorded its send: the row is untouched, the report staged.
                #expect(try await fixture.row(client, 0).0 == "sending")
                let staged = try await client.query("SELECT count(*)::int FROM pending_delivery_events")[0].decode(
                    Int.self, at: 0)
                #expect(staged == 1)
                // The worker records the send; the staged report is applied by the receiver's loop.
                try await client.query(
                    """
                    UPDATE campaign_messages SET status = 'sent', provider_message_id = 'SMlate0001', sent_at = now()
                    WHERE id = \(fixture.ids[0])
                    """)
                try await client.query("UPDATE campaigns SET sent_count = 1 WHERE id = \(fixture.campaign)")
                try await LocalNetwork.waitUntil("the staged report applied", timeout: 30) {
                    (try? await fixture.row(client, 0).0) == "delivered"
                }
                let left = try await client.query("SELECT count(*)::int FROM pending_delivery_events")[0].decode(
                    Int.self, at: 0)
                #expect(left == 0)
                #expect(try await fixture.counters(client).delivered == 1)
            }
        }
    }

    /// Messages sent before migration 011 carry `/twilio/status/<id>`: their callbacks still apply.
    /// A URL naming another organization never touches the row (the report is staged with that org).
    @Test func thePreUpgradeURLStillAppliesAndAnotherOrgsURLTouchesNothing() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await Fixture.make(client, count: 2)
            try await ReceiverHarness.with(client) { receiver in
                let legacy = try await receiver.post(
                    "\(ReceiverRoutes.statusPath)/\(fixture.ids[0])",
                    fields: ReceiverHarness.statusFields(sid: fixture.sid(0), status: "delivered"))
                #expect(legacy.status == 200)
                #expect(try await fixture.row(client, 0).0 == "delivered")
                let otherOrg = UUID()
                let foreign = try await receiver.post(
                    StatusCallbackTarget.url(
                        base: ReceiverRoutes.statusPath, orgID: otherOrg, messageID: fixture.ids[1]),
                    fields: ReceiverHarness.statusFields(sid: fixture.sid(1), status: "delivered"))
                #expect(foreign.status == 200)
                #expect(try await fixture.row(client, 1).0 == "sent")
                let staged = try await client.query("SELECT org_id FROM pending_delivery_events")
                    .map { try $0.decode(UUID?.self, at: 0) }
                #expect(staged == [otherOrg])
                #expect(try await fixture.counters(client).delivered == 1)
            }
        }
    }

    @Test func inboundStopOptsOutAtOnceAndRedeliveryChangesNothing() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await Fixture.make(client, count: 1)
            try await ReceiverHarness.with(client) { receiver in
                let fields: [(key: String, value: String)] = [
                    ("MessageSid", "SMinbound0001"), ("AccountSid", "AC00000000000000000000000000000000"),
                    ("From", "+19196660001"), ("To", "+19195550111"), ("Body", "Stop"), ("NumMedia", "0"),
                    ("SmsStatus", "received"), ("ApiVersion", "2010-04-01"),
                ]
                for _ in 0..<2 {
                    let reply = try await receiver.post("/twilio/inbound", fields: fields)
                    #expect(reply.status == 200)
                    #expect(reply.body.contains("<Response>"))
                }
                let (optedOut, stored, optOuts) = try await client.query(
                    """
                    SELECT (SELECT opted_out_at IS NOT NULL FROM contacts WHERE org_id = \(fixture.org) AND phone = '+19196660001'),
                           (SELECT count(*)::int FROM inbound_messages WHERE org_id = \(fixture.org)),
                           (SELECT opt_out_count::int FROM campaigns WHERE id = \(fixture.campaign))
                    """)[0].decode((Bool, Int, Int).self)
                #expect(optedOut)
                #expect(stored == 1)
                #expect(optOuts == 1)
                // A number no organization owns: 404 with a stable code.
                var stranger = fields
                stranger[0] = ("MessageSid", "SMinbound0002")
                stranger[3] = ("To", "+19995550000")
                let unknown = try await receiver.post("/twilio/inbound", fields: stranger)
                #expect(unknown.status == 404)
                #expect(unknown.body.contains("NOT_FOUND"))
            }
        }
    }

    /// An auto-reply's delivery status comes back on the replies' own callback path and moves the
    /// reply row, not a campaign message with the same number as id.
    @Test func aReplysStatusCallbackMovesTheReply() async throws {
        try await withTestDatabase { client, _ in
            let fixture = try await Fixture.make(client, count: 1)
            try await client.query(
                "UPDATE campaigns SET auto_reply = true, yes_response = 'Great, see you!' WHERE id = \(fixture.campaign)"
            )
            try await client.query(
                "INSERT INTO credit_ledger (org_id, kind, amount, reason) VALUES (\(fixture.org), 'topup', 10, 'test')")
            try await ReceiverHarness.with(client) { receiver in
                let inbound: [(key: String, value: String)] = [
                    ("MessageSid", "SMinbound0101"), ("AccountSid", "AC00000000000000000000000000000000"),
                    ("From", "+19196660001"), ("To", "+19195550111"), ("Body", "Yes"), ("NumMedia", "0"),
                    ("SmsStatus", "received"), ("ApiVersion", "2010-04-01"),
                ]
                #expect(try await receiver.post("/twilio/inbound", fields: inbound).status == 200)
                let (id, sid) = try await client.query(
                    "SELECT id, provider_message_id FROM reply_messages WHERE org_id = \(fixture.org) AND status = 'sent'"
                )[0].decode((Int64, String).self)
                let path = StatusCallbackTarget.replyURL(
                    base: ReceiverRoutes.statusPath, orgID: fixture.org, replyID: id)
                let answer = try await receiver.post(
                    path, fields: ReceiverHarness.statusFields(sid: sid, status: "delivered"))
                #expect(answer.status == 200, "\(answer)")
                let status = try await client.query(
                    "SELECT status FROM reply_messages WHERE org_id = \(fixture.org) AND id = \(id)")[0].decode(
                        String.self, at: 0)
                #expect(status == "delivered")
                #expect(receiver.counter(#"amplifi_receiver_reply_status_reports_total{outcome="applied"}"#) == 1)
                // The campaign's own row is untouched.
                #expect(try await fixture.row(client, 0).0 == "sent")
                #expect(
                    try await receiver.post(
                        path, fields: ReceiverHarness.statusFields(sid: sid, status: "delivered"), signWith: nil
                    ).status == 403)
            }
        }
    }

    @Test func healthOnThePublicPortMetricsOnlyOnTheAdminPort() async throws {
        try await withTestDatabase { client, _ in
            try await ReceiverHarness.with(client) { receiver in
                try await receiver.waitUntilReady()
                let health = try await receiver.get("/healthz")
                #expect(health.status == 200)
                #expect(health.body == "ready\n")
                #expect(try await receiver.get("/livez").body == "ok\n")
                // Metrics are served on the admin port only (AdminPortTests), never to the public.
                #expect(try await receiver.get("/metrics").status == 404)
                #expect(receiver.metrics.render().contains("amplifi_receiver_status_callbacks_total"))
            }
        }
    }
}
