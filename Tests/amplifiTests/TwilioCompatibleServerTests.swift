import AmplifiLocalServers
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

/// `AMPLIFI_CARRIER=twilio` against a Twilio-compatible server that is not Amplifi's code
/// (Tests/Fixtures/twilio_stub.py: Python's http.server, its own HMAC-SHA1 signing from Twilio's
/// docs): real scheduler, worker and receiver processes, real Postgres and Redis.
@Suite("A campaign sent with AMPLIFI_CARRIER=twilio to a Twilio-compatible server")
struct TwilioCompatibleServerTests {
    @Test func formFieldsAuthEachRecipientOnceAndSignedCallbacksApplied() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            let fixture = try await SenderCrashTests.Fixture.make(client, recipients: 200)
            let stub = try await TwilioStub.start()
            defer { stub.stop() }

            let receiverPort = try LocalNetwork.freePort()
            let publicURL = "http://127.0.0.1:\(receiverPort)"
            let environment = TwilioFleet.environment(
                databaseURL: url, redisURL: redis.url, accountSID: TwilioStub.accountSID,
                authToken: TwilioStub.authToken,
                baseURL: stub.baseURL, receiverPort: receiverPort)
            let fleet = try await TwilioFleet.launch(
                environment: environment, receiverPort: receiverPort,
                workerArguments: ["--chunk-size", "100", "--batch-size", "25", "--concurrency", "2"])
            defer { fleet.stop() }

            try await fixture.waitForCompletion()
            let expectedCallbacks = 3 * fixture.recipients
            try await LocalNetwork.waitUntil("every callback posted and applied", timeout: 90) {
                let posted = (try? stub.lines().filter { $0.callback != nil }.count) ?? 0
                let events =
                    (try? await client.query(
                        "SELECT count(*)::int FROM delivery_events WHERE org_id = \(fixture.org) AND source = 'callback'"
                    )[0].decode(Int.self, at: 0)) ?? 0
                return posted == expectedCallbacks && events == expectedCallbacks
            }

            // What the server received: form-encoded creates with the right fields, each recipient once.
            let lines = try stub.lines()
            let creates = lines.compactMap { line in line.create.map { ($0, line) } }
            #expect(creates.count == fixture.recipients)
            #expect(Set(creates.compactMap { $0.0["To"] }).count == fixture.recipients)
            let ids = try await client.query(
                "SELECT phone, id FROM campaign_messages WHERE org_id = \(fixture.org) AND campaign_id = \(fixture.campaign)"
            ).map { try $0.decode((String, Int64).self) }
            let idByPhone = Dictionary(uniqueKeysWithValues: ids)
            for (fields, line) in creates {
                #expect(line.contentType == "application/x-www-form-urlencoded")
                #expect(fields["From"] == "+19195550123")
                #expect(fields["Body"]?.hasPrefix("Hi C") == true)
                let to = fields["To"] ?? ""
                // The callback URL names the org and the row (…/twilio/status/<org id>/<message id>).
                let org = fixture.org.uuidString.lowercased()
                #expect(fields["StatusCallback"] == "\(publicURL)/twilio/status/\(org)/\(idByPhone[to] ?? -1)")
                let validity = Int(fields["ValidityPeriod"] ?? "") ?? 0
                #expect((1...36_000).contains(validity))
            }
            // Its signed callbacks (3 per message, possibly out of order) were all accepted.
            let callbacks = lines.filter { $0.callback != nil }
            #expect(callbacks.count == expectedCallbacks)
            #expect(callbacks.allSatisfy { $0.http == 200 })
            let (sent, delivered) = try await client.query(
                "SELECT sent_count::int, delivered_count::int FROM campaigns WHERE id = \(fixture.campaign)"
            )[0].decode((Int, Int).self)
            #expect(sent == fixture.recipients)
            #expect(delivered == fixture.recipients)
            #expect(try await fixture.count("delivered") == fixture.recipients)
        }
    }
}
