import AmplifiCarriers
import AmplifiLocalServers
import AmplifiPostgres
import AmplifiTestSupport
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// A reply the team writes while a campaign sends on the same number, in the shape users deploy:
/// `amplifi carrier-sim` over HTTP, a scheduler and a worker with `AMPLIFI_CARRIER=twilio`, and
/// `amplifi api`; real Postgres and Redis. Run with the HTTP fleet tests (make test).
@Suite("A reply during a campaign on the same number (the real executables)")
struct ReplyPriorityFleetTests {
    typealias E2E = CarrierSimulatorEndToEndTests

    /// Every message the simulator accepted: recipient and creation time (whole seconds, as Twilio
    /// writes them).
    static func created(port: Int) async throws -> [(to: String, at: Date)] {
        var request = HTTPClientRequest(
            url: "http://127.0.0.1:\(port)/2010-04-01/Accounts/\(E2E.accountSID)/Messages.json?PageSize=1000")
        request.headers.add(name: "Authorization", value: E2E.authorization)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 8 << 20)
        let page = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] ?? [:]
        return (page["messages"] as? [[String: Any]] ?? []).compactMap { message in
            guard let to = message["to"] as? String, let text = message["date_created"] as? String,
                let at = RFC2822Date.parse(text)
            else { return nil }
            return (to, at)
        }
    }

    @Test func aReplyGoesOutAheadOfTheCampaignAndTheNumberKeepsItsRate() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            // 400 recipients on a 20 segments/s long code: 20 s of sending, booked ahead by the worker.
            let fixture = try await SenderCrashTests.Fixture.make(client, recipients: 400)
            try await client.query(
                "UPDATE phone_numbers SET mps = 20, kind = 'long_code' WHERE org_id = \(fixture.org)"
            )
            var environment = TwilioFleet.environment(
                databaseURL: url, redisURL: redis.url, accountSID: E2E.accountSID, authToken: E2E.authToken,
                baseURL: nil, receiverPort: nil)
            let (simulator, simulatorPort) = try await E2E.launchSimulator(["--no-callbacks"], environment: environment)
            defer { simulator.terminate() }
            environment["TWILIO_BASE_URL"] = "http://127.0.0.1:\(simulatorPort)"
            let fleet = try await TwilioFleet.launch(
                environment: environment, receiverPort: nil,
                workerArguments: ["--chunk-size", "200", "--batch-size", "20"])
            defer { fleet.stop() }
            let apiPort = try LocalNetwork.freePort()
            let logs = try LocalNetwork.temporaryDirectory(prefix: "reply-priority")
            let api = try AmplifiExecutable.launch(
                ["api", "--port", "\(apiPort)"], environment: environment, logTo: logs.appendingPathComponent("api.log")
            )
            defer { api.terminate() }
            try await LocalNetwork.waitUntil("the API", timeout: 30) { LocalNetwork.isListening(port: apiPort) }
            let created = try await AmplifiExecutable.run(
                ["api-key", "create", "--org", fixture.org.uuidString, "--scope", "messages:write"],
                environment: environment)
            let key = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            // Once the campaign is well under way, a reply to one of its recipients.
            try await LocalNetwork.waitUntil("the campaign to be sending", timeout: 60) {
                ((try? await fixture.count("sent")) ?? 0) >= 60
            }
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(apiPort)/api/conversations/+19192000399/reply")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"message": "A person answers"}"#))
            let asked = ContinuousClock.now
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let answer = try await response.body.collect(upTo: 1 << 20)
            let elapsed = ContinuousClock.now - asked
            let json = try JSONSerialization.jsonObject(with: Data(answer.readableBytesView)) as? [String: Any]
            let status = (json?["messageLog"] as? [String: Any])?["status"] as? String
            let queuedAhead = try await fixture.count("pending") + fixture.count("sending")
            print(
                "reply during a campaign: accepted by the carrier after \(elapsed) with \(queuedAhead) campaign rows still to send"
            )
            #expect(response.status.code == 200 && status == "sent", "\(json ?? [:])")
            #expect(elapsed < .seconds(2), "the reply waited \(elapsed) behind the campaign")
            #expect(queuedAhead > 40, "the campaign was still sending when the reply went out")

            // The number kept its rate: campaign and reply together, 20 segments a second.
            try await fixture.waitForCompletion(timeout: 120)
            let messages = try await Self.created(port: simulatorPort)
            #expect(messages.count == fixture.recipients + 1)
            #expect(messages.filter { $0.to == "+19192000399" }.count == 2, "the campaign's message and the reply")
            let times = messages.map(\.at).sorted()
            let span = times.last!.timeIntervalSince(times.first!) + 1
            // One second of burst at the start, then at most 20 a second (whole-second timestamps: +1 s).
            let rate = Double(messages.count - 20) / span
            print("number rate over \(span) s: \(rate) messages/s (budget 20)")
            #expect(rate <= 20 * 1.1, "the number sent \(rate) messages/s")
        }
    }
}
