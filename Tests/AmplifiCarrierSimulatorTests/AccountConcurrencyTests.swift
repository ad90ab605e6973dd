import AmplifiCarrierSimulator
import AmplifiCarriers
import AmplifiMessaging
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `accountConcurrency`: past the account's limit of create requests in processing, the simulator
/// answers like Twilio (429 / 20429, `Twilio-Concurrent-Requests`), creates nothing and counts it;
/// the Twilio adapter reads that as a retryable refusal, never an ambiguous one.
@Suite("Carrier simulator: the account's concurrency limit")
struct AccountConcurrencyTests {
    typealias H = SimulatorHarness

    @Test func requestsPastTheLimitAreRefusedRetryablyAndCreateNothing() async throws {
        // Each create takes two seconds, so the adapter's 8 concurrent requests overlap for sure.
        let configuration = CarrierSimulatorConfiguration(
            carrier: SimulatedCarrierConfiguration(latency: .fixed(.seconds(2))), callbacksEnabled: false,
            accountConcurrency: 3)
        let server = CarrierSimulatorServer(configuration: configuration, logger: H.logger)
        try await H.withServer(server) { carrier in
            let results = await carrier.send(H.messages(10))
            let accepted = results.compactMap(\.providerMessageID)
            let refused = results.compactMap(\.error)
            #expect(accepted.count >= 3)
            #expect(accepted.count + refused.count == 10)
            #expect(!refused.isEmpty)
            for error in refused {
                #expect(error.code == "20429")
                #expect(error.httpStatus == 429)
                #expect(error.errorClass == .retryableRequest)
                #expect(!error.isAmbiguous)
                #expect(!error.isCharged)
                #expect(error.isConcurrencyLimit, "Twilio-Concurrent-Requests reaches the adapter")
            }
            let stats = server.stats()
            #expect(stats.created == accepted.count)
            #expect(server.createdLog().count == accepted.count)
            #expect(stats.concurrencyRejections == refused.count)
            #expect(stats.refusedByCode["20429"] == refused.count)
            #expect(stats.peakConcurrentCreates == 3)
        }
    }

    @Test func theRefusalCarriesTwiliosErrorJSONAndConcurrencyHeader() async throws {
        let configuration = CarrierSimulatorConfiguration(
            carrier: SimulatedCarrierConfiguration(latency: .fixed(.seconds(4))), callbacksEnabled: false,
            accountConcurrency: 1)
        try await H.withSimulator(configuration) { carrier, baseURL in
            let url = "\(baseURL)/2010-04-01/Accounts/\(configuration.accountSID)/Messages.json"
            let form: [(key: String, value: String)] = [
                ("To", "+19195552000"), ("From", "+19195550100"), ("Body", "hi"),
            ]
            let stats: @Sendable () async throws -> CarrierSimulatorStats = {
                let (_, data) = try await H.request("GET", baseURL + "/sim/stats", authorization: H.demoAuthorization)
                return try JSONDecoder().decode(CarrierSimulatorStats.self, from: data)
            }
            // One create in processing (its 4 s latency), then a second one arrives.
            let first = Task { await carrier.send(H.messages(1)) }
            #expect(try await H.eventually { try await stats().peakConcurrentCreates == 1 })
            let (status, response, body) = try await RawHTTP.exchange(
                method: "POST", url: url, form: form, json: nil, authorization: H.demoAuthorization)
            #expect(status == 429)
            #expect(response?.value(forHTTPHeaderField: "Twilio-Concurrent-Requests") == "1")
            let error = try JSONDecoder().decode(TwilioErrorResponse.self, from: body)
            #expect(error.code == 20429)
            #expect(error.status == 429)
            #expect(await first.value.first?.providerMessageID != nil)
            let final = try await stats()
            #expect(final.created == 1)
            #expect(final.concurrencyRejections == 1)
            #expect(final.refusedByCode["20429"] == 1)
        }
    }

    @Test func zeroMeansUnlimited() async throws {
        let configuration = CarrierSimulatorConfiguration(
            carrier: SimulatedCarrierConfiguration(latency: .fixed(.milliseconds(300))), callbacksEnabled: false)
        let server = CarrierSimulatorServer(configuration: configuration, logger: H.logger)
        try await H.withServer(server) { carrier in
            let results = await carrier.send(H.messages(16))
            #expect(results.allSatisfy { $0.providerMessageID != nil })
            #expect(server.stats().concurrencyRejections == 0)
            #expect(server.stats().peakConcurrentCreates >= 2)
        }
    }
}
