import AmplifiMessaging
import AmplifiCarriers
import ArgumentParser
import Foundation
import Logging

/// `--carrier sim|twilio` for every command that talks to a carrier (default `$AMPLIFI_CARRIER`,
/// else `sim`); `twilio` reads the `TWILIO_*` variables.
struct CarrierOptions: ParsableArguments {
    @Option(
        help: "Carrier: sim (in-process simulator) or twilio (TWILIO_* variables). Default: $AMPLIFI_CARRIER or sim.")
    var carrier: String?

    @Option(help: "Seconds one carrier request may take before its outcome counts as unknown (1-120).")
    var carrierTimeoutSeconds: Double = 15

    /// The carrier request deadline (`--carrier-timeout-seconds`).
    var requestTimeout: Duration { Saturating.duration(seconds: carrierTimeoutSeconds) }

    func validate() throws {
        _ = try FlagValidation.seconds(carrierTimeoutSeconds, flag: "carrier-timeout-seconds", in: 1...120)
    }

    /// The carrier named by `--carrier` / `AMPLIFI_CARRIER`; the simulator answers after `simulatedLatency`,
    /// Twilio keeps up to `maxConcurrentRequests` connections (and requests per `send` call).
    func makeCarrier(
        logger: Logger, simulatedLatency: SimulatedLatency = .none, maxConcurrentRequests: Int = 32
    ) throws -> any Carrier {
        let name = carrier ?? Environment.value("AMPLIFI_CARRIER") ?? "sim"
        switch name {
        case "sim":
            return SimulatedCarrier(
                configuration: SimulatedCarrierConfiguration(latency: simulatedLatency, recordsLog: false),
                logger: logger)
        case "twilio":
            // TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN (or TWILIO_API_KEY_SID + _SECRET), TWILIO_BASE_URL.
            return TwilioCarrier(
                configuration: try TwilioCarrierConfiguration(
                    environment: ProcessInfo.processInfo.environment, maxConcurrentRequests: maxConcurrentRequests,
                    requestTimeout: requestTimeout),
                logger: logger)
        default:
            throw ValidationError("unknown carrier \"\(name)\": use sim or twilio")
        }
    }

    /// Runs `body` with the carrier — as `wrap` returns it (e.g. under a permit pool) — and shuts it
    /// down afterwards, also when `body` throws (an HTTP client must be shut down before the process exits).
    func withCarrier<T>(
        logger: Logger, simulatedLatency: SimulatedLatency = .none, maxConcurrentRequests: Int = 32,
        wrap: (any Carrier) throws -> any Carrier = { $0 }, _ body: (any Carrier) async throws -> T
    ) async throws -> T {
        let made = try makeCarrier(
            logger: logger, simulatedLatency: simulatedLatency, maxConcurrentRequests: maxConcurrentRequests)
        let carrier: any Carrier
        do {
            carrier = try wrap(made)
        } catch {
            try? await made.shutdown()
            throw error
        }
        do {
            let result = try await body(carrier)
            try? await carrier.shutdown()
            return result
        } catch {
            try? await carrier.shutdown()
            throw error
        }
    }
}
