import AmplifiCarriers
import AmplifiMessaging
import AmplifiObservability
import ArgumentParser
import Foundation
import Logging

/// `--carrier sim|twilio` for every command that talks to a carrier (default `$AMPLIFI_CARRIER`);
/// `twilio` reads the `TWILIO_*` variables. There is no silent default: the in-process simulator
/// sends nothing yet charges credits, so it runs only when named.
struct CarrierOptions: ParsableArguments {
    @Option(
        help:
            "Carrier: twilio (TWILIO_* variables) or sim (in-process simulator: sends nothing). Default: $AMPLIFI_CARRIER."
    )
    var carrier: String?

    @Option(help: "Seconds one carrier request may take before its outcome counts as unknown (1-120).")
    var carrierTimeoutSeconds: Double = 15

    /// The carrier request deadline (`--carrier-timeout-seconds`).
    var requestTimeout: Duration { Saturating.duration(seconds: carrierTimeoutSeconds) }

    func validate() throws {
        _ = try FlagValidation.seconds(carrierTimeoutSeconds, flag: "carrier-timeout-seconds", in: 1...120)
    }

    /// The carrier's name: `--carrier`, else `AMPLIFI_CARRIER`; neither is a usage error saying what to set.
    func resolvedName() throws -> String {
        if let carrier { return carrier }
        if let name = Environment.value("AMPLIFI_CARRIER"), !name.isEmpty { return name }
        throw ValidationError(
            "no carrier configured: set AMPLIFI_CARRIER=twilio (with TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN) "
                + "or pass --carrier twilio; --carrier sim runs the in-process simulator, which sends nothing "
                + "but charges credits, so it runs only when named")
    }

    /// Where the carrier is, for the startup line: the Twilio base URL without credentials
    /// (`TWILIO_BASE_URL`, else Twilio's own), `in-process` for the simulator.
    func endpointDescription() throws -> String {
        guard try resolvedName() == "twilio" else { return "in-process" }
        let configured = Environment.value("TWILIO_BASE_URL").flatMap { $0.isEmpty ? nil : $0 }
        return RedactedURL.describe(configured ?? TwilioCarrierConfiguration.defaultBaseURL)
    }

    /// The carrier named by `--carrier` / `AMPLIFI_CARRIER`; the simulator answers after `simulatedLatency`,
    /// Twilio keeps up to `maxConcurrentRequests` connections (and requests per `send` call).
    func makeCarrier(
        logger: Logger, simulatedLatency: SimulatedLatency = .none, maxConcurrentRequests: Int = 32
    ) throws -> any Carrier {
        let name = try resolvedName()
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
