import AmplifiCarriers
import AmplifiEngine
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

/// `DeliveryStatusApplier` against a real database: one test per guarantee in its doc comment.
@Suite struct DeliveryStatusApplierTests {
    typealias D = DeliveryFixtures

    @Test func sentBecomesDeliveredAndTheEventIsLoggedWithItsOrgAndRawFields() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign, rows) = try await D.campaign(client, count: 3)
            try await D.set(client, org: org, campaign: campaign, rows: rows, status: "sent")
            let applier = DeliveryStatusApplier(client: client, logger: D.logger)
            let summary = try await applier.apply([D.event(rows[0], org: org, .delivered)])
            #expect(summary == DeliveryApplySummary(applied: 1, appliedByStatus: ["delivered": 1]))
            #expect(try await D.row(client, org: org, id: rows[0]).0 == "delivered")
            #expect(try await D.expectCountersMatchRows(client, org: org, campaign: campaign) == [3, 1, 0, 0])
            let (eventOrg, messageID, sid, status, source, rawSID) = try await client.query(
                "SELECT org_id, message_id, provider_message_id, status, source, raw->>'MessageSid' FROM delivery_events"
            )[0].decode((UUID, Int64, String?, String, String, String?).self)
            #expect(eventOrg == org && messageID == rows[0] && sid == "SMtest\(rows[0])")
            #expect(status == "delivered" && source == "callback" && rawSID == "SMtest\(rows[0])")
        }
    }

    @Test func matchesBySidWhenTheURLHasNoMessageID() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign, rows) = try await D.campaign(client, count: 2)
            try await D.set(client, org: org, campaign: campaign, rows: rows, status: "sent")
            let applier = DeliveryStatusApplier(client: client, logger: D.logger)
            let summary = try await applier.apply([
                D.event(nil, org: nil, sid: "SMtest\(rows[1])", .undelivered, error: 30003)
            ])
            #expect(summary.applied == 1 && summary.appliedByStatus == ["undelivered": 1])
            let (status, _, errorCode, _) = try await D.row(client, org: org, id: rows[1])
            #expect(status == "undelivered" && errorCode == "30003")
            #expect(try await D.expectCountersMatchRows(client, org: org, campaign: campaign) == [2, 0, 1, 0])
        }
    }

    @Test func unmatchedReportsAreStagedWithoutOrgNeverDropped() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign, rows) = try await D.campaign(client, count: 1)
            try await D.set(client, org: org, campaign: campaign, rows: rows, status: "sent")
            let applier = DeliveryStatusApplier(client: client, logger: D.logger)
            let summary = try await applier.apply([
                D.event(nil, org: nil, sid: "SMnobody", .delivered),
                D.event(999_999, org: nil, sid: "SMnobody2", .failed, error: 30005),
            ])
            #expect(summary.kept == 2 && summary.applied == 0 && summary.unchanged == 0)
            let staged = try await client.query(
                "SELECT org_id, message_id, provider_message_id, status FROM pending_delivery_events ORDER BY id"
            ).map { try $0.decode((UUID?, Int64?, String?, String).self) }
            #expect(staged.count == 2)
            #expect(staged.allSatisfy { $0.0 == nil })
            #expect(staged[0].2 == "SMnobody" && staged[1].1 == 999_999 && staged[1].3 == "failed")
            #expect(try await D.eventCounts(client).logged == 0)
            // A retry that still matches nothing keeps them and counts the attempt.
            let retry = try await applier.applyStaged(limit: 10)
            #expect(retry.kept == 2 && retry.applied == 0)
            let attempts = try await client.query(
                "SELECT min(attempts), count(last_attempt_at) FROM pending_delivery_events")[0]
                .decode((Int, Int64).self)
            #expect(attempts == (1, 2))
        }
    }

    @Test func aRowNotRecordedYetIsNotTouchedAndTheStagedReportAppliesOnceItIs() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign, rows) = try await D.campaign(client, count: 2)
            // The worker has the carrier's 201 but has not recorded it: still `sending`, no sid.
            try await D.set(client, org: org, campaign: campaign, rows: rows, status: "sending", withSID: false)
            let applier = DeliveryStatusApplier(client: client, logger: D.logger)
            let early = try await applier.apply([
                D.event(rows[0], org: org, .delivered), D.event(nil, org: nil, sid: "SMtest\(rows[1])", .sent),
            ])
            #expect(early.kept == 2 && early.applied == 0)
            #expect(try await D.row(client, org: org, id: rows[0]).0 == "sending")
            let orgs = try await client.query("SELECT org_id FROM pending_delivery_events ORDER BY id")
                .map { try $0.decode(UUID?.self, at: 0) }
            #expect(orgs == [org, nil])  // known by id: org recorded; by sid alone: not yet
            #expect(try await applier.applyStaged(limit: 10).kept == 2)  // still sending
            // The worker records both rows as sent (its guarded statement: status = 'sending').
            try await client.query(
                """
                UPDATE campaign_messages SET status = 'sent', provider_message_id = 'SMtest' || id, sent_at = now()
                WHERE org_id = \(org) AND id = ANY(\(rows)::bigint[]) AND status = 'sending'
                """)
            try await client.query("UPDATE campaigns SET sent_count = 2 WHERE id = \(campaign) AND org_id = \(org)")
            let later = try await applier.applyStaged(limit: 10)
            #expect(later.applied == 1 && later.unchanged == 1 && later.kept == 0)
            #expect(later.appliedByStatus == ["delivered": 1])
            #expect(try await D.eventCounts(client) == (2, 0))
            #expect(try await D.expectCountersMatchRows(client, org: org, campaign: campaign) == [2, 1, 0, 0])
        }
    }

    /// Callbacks of messages sent before migration 011 name no org (`…/twilio/status/<id>`): the
    /// row is found by id among the rows awaiting a status, any other row by its sid, and a row not
    /// recorded yet once it is. The URL's id still decides: a sid of another row matches nothing.
    @Test func callbacksOnThePreUpgradeURLAreMatchedWithoutAnOrg() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign, rows) = try await D.campaign(client, count: 4)
            try await D.set(client, org: org, campaign: campaign, rows: [rows[0], rows[1]], status: "sent")
            try await D.set(client, org: org, campaign: campaign, rows: [rows[2]], status: "unknown", withSID: false)
            try await D.set(client, org: org, campaign: campaign, rows: [rows[3]], status: "sending", withSID: false)
            let applier = DeliveryStatusApplier(client: client, logger: D.logger)
            #expect(try await applier.apply([D.event(rows[1], org: org, .delivered)]).applied == 1)
            let legacy = try await applier.apply([
                D.event(rows[0], org: nil, .delivered),  // sent: by id
                D.event(rows[1], org: nil, .delivered),  // final: by its sid, logged only
                D.event(rows[2], org: nil, sid: "SMlate2", .delivered),  // unknown, no sid yet: by id
                D.event(rows[3], org: nil, .delivered),  // not recorded yet: staged
                D.event(rows[1], org: nil, sid: "SMtest\(rows[0])", .failed, error: 30005),  // another row's sid
            ])
            #expect(legacy.applied == 2 && legacy.unchanged == 1 && legacy.kept == 2)
            #expect(try await D.row(client, org: org, id: rows[0]).0 == "delivered")
            let (status2, sid2, _, _) = try await D.row(client, org: org, id: rows[2])
            #expect(status2 == "delivered" && sid2 == "SMlate2")
            let staged = try await client.query(
                "SELECT org_id, message_id FROM pending_delivery_events ORDER BY id"
            ).map { try $0.decode((UUID?, Int64?).self) }
            #expect(staged.map(\.0) == [nil, nil] && staged.map(\.1) == [rows[3], rows[1]])
            // The worker records row 3; the staged report then applies, the contradicting one stays.
            try await D.set(client, org: org, campaign: campaign, rows: [rows[3]], status: "sent")
            let later = try await applier.applyStaged(limit: 10)
            #expect(later.applied == 1 && later.kept == 1)
            #expect(try await D.row(client, org: org, id: rows[3]).0 == "delivered")
            #expect(try await D.expectCountersMatchRows(client, org: org, campaign: campaign) == [4, 4, 0, 0])
        }
    }

    /// A URL naming an org finds rows of that org only, by id or by sid; what it does not find is
    /// staged with the URL's org, never applied elsewhere.
    @Test func theURLsOrgScopesTheLookup() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign, rows) = try await D.campaign(client, count: 2)
            try await D.set(client, org: org, campaign: campaign, rows: rows, status: "sent")
            let stranger = UUID()
            let applier = DeliveryStatusApplier(client: client, logger: D.logger)
            let summary = try await applier.apply([
                D.event(rows[0], org: stranger, .delivered),
                D.event(nil, org: stranger, sid: "SMtest\(rows[1])", .delivered),
            ])
            #expect(summary.kept == 2 && summary.applied == 0 && summary.unchanged == 0)
            #expect(try await D.row(client, org: org, id: rows[0]).0 == "sent")
            #expect(try await D.row(client, org: org, id: rows[1]).0 == "sent")
            let staged = try await client.query("SELECT org_id FROM pending_delivery_events ORDER BY id")
                .map { try $0.decode(UUID?.self, at: 0) }
            #expect(staged == [stranger, stranger])
            #expect(try await D.expectCountersMatchRows(client, org: org, campaign: campaign) == [2, 0, 0, 0])
        }
    }

    @Test func statusOnlyMovesForwardAndDuplicatesNeverDoubleCount() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign, rows) = try await D.campaign(client, count: 2)
            try await D.set(client, org: org, campaign: campaign, rows: rows, status: "sent")
            let applier = DeliveryStatusApplier(client: client, logger: D.logger)
            #expect(try await applier.apply([D.event(rows[0], org: org, .delivered)]).applied == 1)
            // Duplicate, a late `sent`, and a contradicting final: all logged, none applied.
            let late = try await applier.apply([
                D.event(rows[0], org: org, .delivered), D.event(rows[0], org: org, .sent),
                D.event(rows[0], org: org, .failed, error: 30005),
            ])
            #expect(late == DeliveryApplySummary(unchanged: 3))
            // `queued` for a `sent` row is not forward either.
            #expect(
                try await applier.apply([D.event(rows[1], org: org, .queued)]) == DeliveryApplySummary(unchanged: 1))
            #expect(try await D.row(client, org: org, id: rows[0]).0 == "delivered")
            #expect(try await D.row(client, org: org, id: rows[1]).0 == "sent")
            #expect(try await D.expectCountersMatchRows(client, org: org, campaign: campaign) == [2, 1, 0, 0])
            #expect(try await D.eventCounts(client) == (5, 0))
        }
    }

    @Test func theHighestRankInOneBatchWinsWhateverTheOrder() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign, rows) = try await D.campaign(client, count: 2)
            try await D.set(client, org: org, campaign: campaign, rows: rows, status: "sent")
            let applier = DeliveryStatusApplier(client: client, logger: D.logger)
            let first = try await applier.apply([
                D.event(rows[0], org: org, .sent), D.event(rows[0], org: org, .failed, error: 30006),
                D.event(rows[0], org: org, .delivered),
            ])
            let second = try await applier.apply([
                D.event(rows[1], org: org, .delivered), D.event(rows[1], org: org, .failed, error: 30006),
                D.event(rows[1], org: org, .sent),
            ])
            #expect(first == DeliveryApplySummary(applied: 1, unchanged: 2, appliedByStatus: ["delivered": 1]))
            #expect(second == first)
            #expect(try await D.row(client, org: org, id: rows[0]).0 == "delivered")
            #expect(try await D.row(client, org: org, id: rows[1]).0 == "delivered")
            // The losing 30006 did not mark the contact.
            let notTextable = try await client.query(
                "SELECT count(*) FROM contacts WHERE org_id = \(org) AND is_textable = false")[0].decode(
                    Int64.self, at: 0)
            #expect(notTextable == 0)
            #expect(try await D.expectCountersMatchRows(client, org: org, campaign: campaign) == [2, 2, 0, 0])
        }
    }

    @Test func unknownRowsAreSettledByAnyMatchedReport() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign, rows) = try await D.campaign(client, count: 2)
            // The worker died before recording: no sid, no sent_at, not counted.
            try await D.set(client, org: org, campaign: campaign, rows: rows, status: "unknown", withSID: false)
            let applier = DeliveryStatusApplier(client: client, logger: D.logger)
            let summary = try await applier.apply([
                D.event(rows[0], org: org, sid: "SMlate0", .delivered),
                D.event(rows[1], org: org, sid: "SMlate1", .queued),
            ])
            #expect(summary.appliedByStatus == ["delivered": 1, "sent": 1])
            let (status0, sid0, _, sentAt0) = try await D.row(client, org: org, id: rows[0])
            let (status1, sid1, _, sentAt1) = try await D.row(client, org: org, id: rows[1])
            #expect(status0 == "delivered" && sid0 == "SMlate0" && sentAt0)
            #expect(status1 == "sent" && sid1 == "SMlate1" && sentAt1)
            #expect(try await D.expectCountersMatchRows(client, org: org, campaign: campaign) == [2, 1, 0, 0])
        }
    }

    @Test func lateErrorsFailTheRowAndMarkTheContactLikeTheSendPath() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign, rows) = try await D.campaign(client, count: 3)
            try await D.set(client, org: org, campaign: campaign, rows: rows, status: "sent")
            let applier = DeliveryStatusApplier(client: client, logger: D.logger)
            let summary = try await applier.apply([
                D.event(rows[0], org: org, .failed, error: 30006), D.event(rows[1], org: org, .failed, error: 21610),
                D.event(rows[2], org: org, .undelivered, error: 30003),
            ])
            #expect(summary.appliedByStatus == ["failed": 2, "undelivered": 1])
            #expect(try await D.row(client, org: org, id: rows[0]).2 == "30006")
            let marks = try await client.query(
                """
                SELECT m.id, c.is_textable, c.opted_out_at IS NOT NULL FROM campaign_messages m
                JOIN contacts c ON c.org_id = m.org_id AND c.id = m.contact_id
                WHERE m.org_id = \(org) AND m.campaign_id = \(campaign) ORDER BY m.id
                """
            ).map { try $0.decode((Int64, Bool?, Bool).self) }
            #expect(marks.map(\.1) == [false, true, true])
            #expect(marks.map(\.2) == [false, true, false])
            #expect(try await D.expectCountersMatchRows(client, org: org, campaign: campaign) == [1, 0, 1, 2])
            // Credits do not move on status reports.
            let refunds = try await client.query(
                "SELECT count(*) FROM credit_ledger WHERE org_id = \(org) AND kind = 'refund'")[0].decode(
                    Int64.self, at: 0)
            #expect(refunds == 0)
        }
    }

    @Test func aSidThatContradictsTheRowIsKeptNotApplied() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign, rows) = try await D.campaign(client, count: 2)
            try await D.set(client, org: org, campaign: campaign, rows: rows, status: "sent")
            try await D.set(client, org: org, campaign: campaign, rows: [rows[1]], status: "unknown", withSID: false)
            let applier = DeliveryStatusApplier(client: client, logger: D.logger)
            let summary = try await applier.apply([
                // Row 0 was recorded with SMtest<row0>.
                D.event(rows[0], org: org, sid: "SMother", .failed, error: 30005),
                // Row 1 has no sid, but this sid belongs to row 0: writing it would break the unique key.
                D.event(rows[1], org: org, sid: "SMtest\(rows[0])", .delivered),
            ])
            #expect(summary.kept == 2 && summary.mismatched == 2 && summary.applied == 0)
            #expect(try await D.row(client, org: org, id: rows[0]).0 == "sent")
            #expect(try await D.row(client, org: org, id: rows[1]).0 == "unknown")
            let staged = try await client.query("SELECT count(*) FROM pending_delivery_events WHERE org_id = \(org)")[0]
                .decode(Int64.self, at: 0)
            #expect(staged == 2)
            #expect(try await D.expectCountersMatchRows(client, org: org, campaign: campaign) == [1, 0, 0, 0])
        }
    }

    @Test func eventsWithNothingToMatchOnAreRejectedNotStored() async throws {
        try await withTestDatabase { client, _ in
            let applier = DeliveryStatusApplier(client: client, logger: D.logger)
            let summary = try await applier.apply([D.event(nil, org: nil, sid: "", .delivered)])
            #expect(summary == DeliveryApplySummary(rejected: 1))
            #expect(try await D.eventCounts(client) == (0, 0))
        }
    }

    @Test func twoConcurrentAppliersWithOverlappingBatchesConverge() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign, rows) = try await D.campaign(client, count: 60)
            try await D.set(client, org: org, campaign: campaign, rows: Array(rows[..<40]), status: "sent")
            try await D.set(
                client, org: org, campaign: campaign, rows: Array(rows[40...]), status: "unknown", withSID: false)
            // Same reports, different order and grouping; unknown rows get their sid through the id.
            var reports: [DeliveryEvent] = []
            for (index, id) in rows.enumerated() {
                let sid = "SMtest\(id)"
                switch index % 3 {
                case 0: reports.append(D.event(id, org: org, sid: sid, .delivered))
                case 1: reports.append(D.event(id, org: org, sid: sid, .undelivered, error: 30003))
                default: reports.append(D.event(id, org: org, sid: sid, .failed, error: 30006))
                }
                reports.append(D.event(id, org: org, sid: sid, .sent))
            }
            let a = DeliveryStatusApplier(client: client, logger: D.logger)
            let b = DeliveryStatusApplier(client: client, logger: D.logger)
            let forward = reports
            let backward = Array(reports.reversed())
            async let one = a.apply(forward)
            async let two = b.apply(backward)
            let (first, second) = try await (one, two)
            #expect(first.applied + second.applied == 60)
            #expect(first.kept == 0 && second.kept == 0)
            let counts = try await D.expectCountersMatchRows(client, org: org, campaign: campaign)
            #expect(counts == [40, 20, 20, 20])
            #expect(try await D.eventCounts(client) == (240, 0))
        }
    }

    @Test func manyAppliersOnTwoCampaignsSharingContactsConverge() async throws {
        try await withTestDatabase { client, _ in
            let (org, sender) = try await SendingFixtures.org(client, credits: 10_000)
            try await SendingFixtures.contacts(client, org: org, count: 40)
            var campaigns: [UUID] = []
            var rows: [Int64] = []
            for _ in 0..<2 {
                let (campaign, _) = try await SendingFixtures.sendingCampaign(client, org: org, sender: sender)
                let ids = try await client.query(
                    "SELECT id FROM campaign_messages WHERE org_id = \(org) AND campaign_id = \(campaign) ORDER BY id"
                ).map { try $0.decode(Int64.self, at: 0) }
                try await D.set(client, org: org, campaign: campaign, rows: ids, status: "sent")
                campaigns.append(campaign)
                rows += ids
            }
            // Each row: one final report (a contact-marking error for a third of them) and two
            // non-final duplicates, spread over four appliers in different orders and batch cuts.
            var reports: [DeliveryEvent] = []
            for (index, id) in rows.enumerated() {
                switch index % 3 {
                case 0: reports.append(D.event(id, org: org, .delivered))
                case 1: reports.append(D.event(id, org: org, .failed, error: 30006))
                default: reports.append(D.event(nil, org: nil, sid: "SMtest\(id)", .undelivered, error: 30003))
                }
                reports += [D.event(id, org: org, .sent), D.event(nil, org: nil, sid: "SMtest\(id)", .queued)]
            }
            let all = reports
            var generator = SplitMix(seed: 7)
            try await withThrowingTaskGroup(of: DeliveryApplySummary.self) { group in
                for worker in 0..<4 {
                    let order = all.indices.shuffled(using: &generator)
                    let cut = 17 + worker * 9
                    group.addTask {
                        let applier = DeliveryStatusApplier(client: client, logger: D.logger)
                        var total = DeliveryApplySummary()
                        for start in stride(from: 0, to: order.count, by: cut) {
                            let batch = order[start..<min(start + cut, order.count)].map { all[$0] }
                            total.add(try await applier.apply(batch))
                        }
                        return total
                    }
                }
                var applied = 0
                for try await summary in group {
                    #expect(summary.kept == 0)
                    applied += summary.applied
                }
                #expect(applied == rows.count)
            }
            for campaign in campaigns {
                try await D.expectCountersMatchRows(client, org: org, campaign: campaign)
            }
            let finals = try await client.query(
                "SELECT status, count(*) FROM campaign_messages WHERE org_id = \(org) GROUP BY status ORDER BY status"
            ).map { try $0.decode((String, Int64).self) }
            #expect(finals.map(\.0) == ["delivered", "failed", "undelivered"])
            #expect(finals.map(\.1).reduce(0, +) == 80)
            #expect(try await D.eventCounts(client) == (Int64(reports.count * 4), 0))
        }
    }
}

/// A seeded generator, so the shuffles are the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
