import AmplifiCarrierSimulator
import AmplifiCarriers
import AmplifiMessaging
import Foundation
import Testing

/// The simulator misbehaves on the wire like a real carrier, and the Twilio adapter classifies each
/// fault as the carrier error table says (docs/architecture.md#carrier-errors): 5xx, outages and throttles were not processed
/// (retryable, nothing created); late and cut-off answers are ambiguous (the message exists).
@Suite("Carrier simulator: transport faults and episodes")
struct TransportFaultTests {
    typealias H = SimulatorHarness

    @Test func serverErrorsCreateNothingAndAreRetryable() async throws {
        let configuration = CarrierSimulatorConfiguration(transport: SimulatedTransportFaults(serverErrorRate: 1))
        try await H.withSimulator(configuration) { carrier, _ in
            let error = await carrier.send(H.messages(1))[0].error
            #expect(error?.httpStatus == 500)
            #expect(error?.errorClass == .retryableRequest)
        }
    }

    @Test func lateAndCutAnswersAreAmbiguousAndTheMessageExists() async throws {
        for faults in [
            SimulatedTransportFaults(lateAnswerRate: 1, lateAnswerDelay: .seconds(3)),
            SimulatedTransportFaults(dropRate: 1),
        ] {
            let configuration = CarrierSimulatorConfiguration(callbacksEnabled: false, transport: faults)
            let server = CarrierSimulatorServer(configuration: configuration, logger: H.logger)
            try await H.withServer(server, requestTimeout: .seconds(1)) { carrier in
                let error = await carrier.send(H.messages(1))[0].error
                #expect(error?.errorClass == .ambiguous, "\(String(describing: error))")
                #expect(server.createdLog().count == 1)
            }
        }
    }

    @Test func outagesAndThrottlesRefuseEverythingWhileTheyLast() async throws {
        let control = CarrierSimulatorControl()
        let configuration = CarrierSimulatorConfiguration(control: control)
        let server = CarrierSimulatorServer(configuration: configuration, logger: H.logger)
        try await H.withServer(server, requestTimeout: .seconds(5)) { carrier in
            control.startOutage(for: .seconds(30))
            let outage = await carrier.send(H.messages(1))[0].error
            #expect(outage?.httpStatus == 503 && outage?.errorClass == .retryableRequest)
            control.startOutage(for: .zero)
            control.startThrottle(for: .seconds(30), retryAfterSeconds: 7)
            let throttled = await carrier.send(H.messages(1))[0].error
            #expect(throttled?.httpStatus == 429 && throttled?.retryAfter == .seconds(7))
            // A throttle is not the account's concurrency limit: no Twilio-Concurrent-Requests.
            #expect(throttled?.isConcurrencyLimit == false)
            control.startThrottle(for: .zero, retryAfterSeconds: 1)
            #expect(await carrier.send(H.messages(1))[0].providerMessageID != nil)
            #expect(server.createdLog().count == 1)
        }
    }
}
