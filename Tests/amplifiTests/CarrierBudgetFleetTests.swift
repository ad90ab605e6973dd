import AmplifiLocalServers
import AmplifiTestSupport
import Foundation
import Testing

/// A fleet of worker processes sharing one carrier account's concurrency budget through Redis,
/// against `amplifi carrier-sim --account-concurrency`. A fleet test: `make test` runs it after the
/// timing-sensitive tests (FLEET_TESTS in the Makefile).
@Suite("Carrier budget fleet")
struct CarrierBudgetFleetTests {
    typealias E2E = CarrierSimulatorEndToEndTests

    @Test func threeWorkersShareTheAccountsConcurrencyBudgetWithoutA429() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            let fixture = try await SenderCrashTests.Fixture.make(client, recipients: 300)
            var environment = TwilioFleet.environment(
                databaseURL: url, redisURL: redis.url, accountSID: E2E.accountSID, authToken: E2E.authToken,
                baseURL: nil, receiverPort: nil)
            // The account takes 4 creates at a time; each worker alone would send 4 at once, all
            // three 12, so only the shared budget keeps them under the limit.
            let (simulator, simulatorPort) = try await E2E.launchSimulator(
                ["--account-concurrency", "4", "--latency-ms", "10", "--latency-max-ms", "40", "--no-callbacks"],
                environment: environment)
            defer { simulator.terminate() }
            environment["TWILIO_BASE_URL"] = "http://127.0.0.1:\(simulatorPort)"
            environment["AMPLIFI_CARRIER_ACCOUNT_CONCURRENCY"] = "4"
            let fleet = try await TwilioFleet.launch(
                environment: environment, receiverPort: nil,
                workerArguments: [
                    "--chunk-size", "50", "--batch-size", "10", "--concurrency", "2", "--carrier-max-in-flight", "4",
                ],
                workers: 3)
            defer { fleet.stop() }
            try await fixture.waitForCompletion()
            // Sent, or already reported delivered by the settle step's look at the carrier.
            let sent = try await fixture.count("sent") + fixture.count("delivered")
            let breakdown = try await E2E.breakdown(client, fixture.campaign)
            #expect(sent == fixture.recipients, "\(breakdown)")
            let stats = try await E2E.stats(port: simulatorPort)
            #expect(stats.concurrencyRejections == 0)
            #expect(stats.refused == 0)
            #expect(stats.peakConcurrentCreates <= 4)
            #expect(stats.created == fixture.recipients)
            #expect(stats.duplicates == 0)
        }
    }
}
