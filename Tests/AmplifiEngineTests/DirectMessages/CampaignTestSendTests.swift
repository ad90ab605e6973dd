import AmplifiCarriers
import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Logging
import Testing

/// A campaign's test send: the request body's rules, rendering with preview values, and the money
/// (a refused message is refunded, the ledger and the campaign's spend agree), on real Postgres
/// and Redis with the in-process carrier simulator.
@Suite struct CampaignTestSendTests {
    static let logger = Logger(label: "amplifi.test.test-send")

    @Test func aBodyReportsEveryProblemAtOnce() {
        let json = Data(
            #"{"phoneNumbers": ["12", 5], "mediaUrls": "x", "mergeData": {"a": 1}, "message": "  ", "extra": true}"#
                .utf8)
        do {
            _ = try TestSendRequest.parse(json: json)
            Issue.record("accepted an invalid body")
        } catch {
            let fields = Set(error.problems.compactMap(\.field))
            #expect(
                fields == ["phoneNumbers[0]", "phoneNumbers[1]", "mediaUrls", "mergeData.a", "message", "extra"],
                "\(error.problems)")
        }
        #expect(throws: ValidationFailure.self) { try TestSendRequest.parse(json: Data("{}".utf8)) }
        #expect(throws: ValidationFailure.self) { try TestSendRequest.parse(json: Data(#"{"phoneNumbers": []}"#.utf8)) }
        #expect(throws: ValidationFailure.self) { try TestSendRequest.parse(json: Data("[1]".utf8)) }
    }

    @Test func numbersAreNormalizedAndEachTextedOnce() throws {
        let request = try TestSendRequest.parse(
            json: Data(
                #"{"phoneNumbers": ["(919) 555-0111", "+19195550111", "919.555.0112"], "mediaUrls": ["https://x.io/a.png"]}"#
                    .utf8))
        #expect(request.phoneNumbers.map(\.e164) == ["+19195550111", "+19195550112"])
        #expect(request.mediaURL == "https://x.io/a.png")
        let eleven = (100..<111).map { "\"+1919555\($0 + 1000)\"" }.joined(separator: ",")
        #expect(throws: ValidationFailure.self) {
            try TestSendRequest.parse(json: Data(#"{"phoneNumbers": [\#(eleven)]}"#.utf8))
        }
    }

    /// An org with credits and its number, a campaign with `message`, and a test sender whose Redis
    /// has kept its data (an organization's first booking goes at once).
    static func setUp(
        _ client: PostgresClient, credits: Int, message: String, carrier: SimulatedCarrier
    ) async throws -> (org: UUID, campaign: UUID, sender: CampaignTestSend) {
        let (org, number) = try await SendingFixtures.org(client, credits: credits)
        let campaign = try await client.query(
            """
            INSERT INTO campaigns (org_id, name, message, contact_filter, from_phone_number_id)
            VALUES (\(org), 'test send', \(message), '{}'::jsonb, \(number)) RETURNING id
            """)[0].decode(UUID.self, at: 0)
        let redis = try await SharedRedisClient.shared.client()
        let keys = QueueKeys(prefix: TestRedis.shared.keyPrefix())
        _ = try await redis.send(["SET", .init(keys.rateFleetEpoch), "1"])
        return (
            org, campaign, CampaignTestSend(client: client, redis: redis, keys: keys, carrier: carrier, logger: logger)
        )
    }

    @Test func previewValuesRenderAndTheRecipientIsThePhoneField() async throws {
        try await withTestDatabase { client, _ in
            let carrier = InboundFixtures.carrier()
            let (org, campaign, sender) = try await Self.setUp(
                client, credits: 10, message: "Hi {{firstName|friend}}, this went to {{phone}} {{team|}}",
                carrier: carrier)
            let results = try await sender.send(
                campaignID: campaign, orgID: org,
                request: TestSendRequest(
                    phoneNumbers: [try PhoneNumber(parsing: "+13035550100")], mergeData: ["team": "(ops)"]))
            #expect(results.map(\.text) == ["Hi friend, this went to +13035550100 (ops)"])
            #expect(results.map(\.status) == [.sent] && results.map(\.credits) == [1])
            #expect(carrier.sendLog().map(\.body) == ["Hi friend, this went to +13035550100 (ops)"])
            let kinds = try await client.query("SELECT kind, inbound_message_id IS NULL FROM reply_messages")
                .map { try $0.decode((String, Bool).self) }
            #expect(kinds.count == 1 && kinds[0] == ("test_send", true))
        }
    }

    @Test func aRefusedNumberIsRefundedAndTheBooksAgree() async throws {
        try await withTestDatabase { client, _ in
            let (org, campaign, sender) = try await Self.setUp(
                client, credits: 10, message: "Hello", carrier: InboundFixtures.carrier(permanentFailureRate: 1))
            let results = try await sender.send(
                campaignID: campaign, orgID: org,
                request: TestSendRequest(phoneNumbers: [try PhoneNumber(parsing: "+13035550101")]))
            let result = try #require(results.first)
            #expect(result.status == .failed && result.credits == 0 && result.messageSid == nil)
            #expect(result.error?.code.isEmpty == false && result.error?.message.isEmpty == false)
            let (balance, used) = try await client.query(
                """
                SELECT o.credit_balance::int, c.credits_used::int
                FROM organizations o JOIN campaigns c ON c.org_id = o.id WHERE o.id = \(org)
                """)[0].decode((Int, Int).self)
            #expect(balance == 10 && used == 0)
            #expect(try await CreditMeter(client: client, logger: Self.logger).verifyLedger(orgID: org))
        }
    }

    @Test func anOptedOutNumberOrAShortBalanceSendsNothing() async throws {
        try await withTestDatabase { client, _ in
            let carrier = InboundFixtures.carrier()
            let (org, campaign, sender) = try await Self.setUp(client, credits: 1, message: "Hello", carrier: carrier)
            _ = try await SendingFixtures.contact(client, org: org, phone: "+13035550177", optedOut: true)
            let numbers = try ["+13035550102", "+13035550177"].map { try PhoneNumber(parsing: $0) }
            do {
                _ = try await sender.send(
                    campaignID: campaign, orgID: org, request: TestSendRequest(phoneNumbers: numbers))
                Issue.record("texted an opted-out number")
            } catch let error as EngineError {
                #expect(error.code == .contactOptedOut && error.message.contains("+13035550177"), "\(error)")
            }
            do {
                _ = try await sender.send(
                    campaignID: campaign, orgID: org,
                    request: TestSendRequest(
                        phoneNumbers: try ["+13035550103", "+13035550104"].map { try PhoneNumber(parsing: $0) }))
                Issue.record("sent beyond the balance")
            } catch let error as EngineError {
                #expect(error.code == .insufficientCredits, "\(error)")
            }
            do {
                _ = try await sender.send(
                    campaignID: campaign, orgID: UUID(), request: TestSendRequest(phoneNumbers: [numbers[0]]))
                Issue.record("found another org's campaign")
            } catch let error as EngineError {
                #expect(error.code == .notFound)
            }
            #expect(carrier.sendLog().isEmpty)
            #expect(try await client.query("SELECT count(*)::int FROM reply_messages")[0].decode(Int.self, at: 0) == 0)
        }
    }
}
