import AmplifiCarrierSimulator
import AmplifiCarriers
import ArgumentParser
import Foundation
import Logging

/// `amplifi carrier-sim`: a Twilio-compatible carrier simulator on HTTP, until SIGTERM/SIGINT.
///
/// Point the worker at it with `AMPLIFI_CARRIER=twilio TWILIO_BASE_URL=http://127.0.0.1:PORT` and the
/// same TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN. Without those variables it uses the demo account
/// `ACsimulator000000000000000000000000` with auth token `simulator-auth-token`.
struct CarrierSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "carrier-sim",
        abstract: "Serve a Twilio-compatible carrier simulator (Messages, Lookup, status callbacks, inbound).")

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8089

    @Option(help: "Account sid (default: $TWILIO_ACCOUNT_SID, else \(CarrierSimulatorConfiguration.demoAccountSID)).")
    var accountSid: String?

    @Option(
        help:
            "Auth token; also signs callbacks (default: $TWILIO_AUTH_TOKEN, else \(CarrierSimulatorConfiguration.demoAuthToken))."
    )
    var authToken: String?

    @Option(help: "An API key sid (SK…) also accepted as credentials (default: $TWILIO_API_KEY_SID).")
    var apiKeySid: String?

    @Option(help: "The API key's secret (default: $TWILIO_API_KEY_SECRET).")
    var apiKeySecret: String?

    @Option(help: "Milliseconds each create request takes (with --latency-max-ms: the least it takes).")
    var latencyMs = 0

    @Option(help: "The most milliseconds a create request takes; each draws uniformly from --latency-ms to this.")
    var latencyMaxMs: Int?

    @Option(help: "Share of accepted creates answered only after --late-answer-seconds (the message exists).")
    var lateAnswerRate = 0.0

    @Option(help: "How long a late answer is held back, in seconds.")
    var lateAnswerSeconds = 5

    @Option(
        help: "Share of accepted creates whose connection is cut before the answer is complete (the message exists).")
    var dropRate = 0.0

    @Option(help: "Share of create requests answered 500 without creating anything.")
    var serverErrorRate = 0.0

    @Option(help: "Share of recipients refused as invalid numbers (21211).")
    var permanentFailureRate = 0.0

    @Option(help: "Share of create requests refused with 429 / 20429 (Retry-After: 1).")
    var rateLimitRate = 0.0

    @Option(help: "Share of create requests refused as unreachable (30003).")
    var transientFailureRate = 0.0

    @Option(help: "Share of accepted messages that end undelivered (30003/30005/30006).")
    var undeliveredRate = 0.0

    @Option(help: "Share of accepted messages that end failed (30008).")
    var failedRate = 0.0

    @Option(help: "Milliseconds between a message's status steps (queued, sent, delivered).")
    var callbackDelayMs = 25

    @Option(help: "Share of messages whose last two callbacks arrive in the wrong order.")
    var outOfOrderRate = 0.0

    @Option(help: "Share of messages with one callback posted twice.")
    var duplicateRate = 0.0

    @Flag(help: "Post no status callbacks (statuses still advance for fetch and list).")
    var noCallbacks = false

    @Option(name: .customLong("inbound-url"), help: "Where POST /sim/inbound delivers inbound-message webhooks.")
    var inboundURL: String?

    @Option(help: "Seed of every random draw.")
    var seed: UInt64 = 0

    @Option(
        help:
            "Create requests the account may have in processing at once (latency included); more are answered 429 / 20429 with Twilio-Concurrent-Requests, nothing created. 0: unlimited (0-100000)."
    )
    var accountConcurrency = 0

    func validate() throws {
        for (name, rate) in [
            ("permanent-failure-rate", permanentFailureRate), ("rate-limit-rate", rateLimitRate),
            ("transient-failure-rate", transientFailureRate), ("undelivered-rate", undeliveredRate),
            ("failed-rate", failedRate), ("out-of-order-rate", outOfOrderRate), ("duplicate-rate", duplicateRate),
            ("late-answer-rate", lateAnswerRate), ("drop-rate", dropRate), ("server-error-rate", serverErrorRate),
        ] {
            _ = try FlagValidation.share(rate, flag: name)
        }
        _ = try FlagValidation.milliseconds(latencyMs, flag: "latency-ms", in: 0...60_000)
        if let latencyMaxMs {
            _ = try FlagValidation.milliseconds(latencyMaxMs, flag: "latency-max-ms", in: latencyMs...60_000)
        }
        _ = try FlagValidation.count(lateAnswerSeconds, flag: "late-answer-seconds", in: 1...600, unit: "seconds")
        guard lateAnswerRate + dropRate + serverErrorRate <= 1 else {
            throw ValidationError("--late-answer-rate, --drop-rate and --server-error-rate add up to more than 1")
        }
        _ = try FlagValidation.milliseconds(callbackDelayMs, flag: "callback-delay-ms", in: 0...60_000)
        _ = try FlagValidation.count(port, flag: "port", in: 0...65_535, unit: "")
        _ = try FlagValidation.count(accountConcurrency, flag: "account-concurrency", in: 0...100_000, unit: "requests")
    }

    func run() async throws {
        var logger = Logger(label: "amplifi.carrier-sim")
        logger.logLevel = .warning
        let latency: SimulatedLatency =
            if let latencyMaxMs, latencyMaxMs > latencyMs {
                .range(.milliseconds(latencyMs) ... .milliseconds(latencyMaxMs))
            } else {
                latencyMs > 0 ? .fixed(.milliseconds(latencyMs)) : .none
            }
        let configuration = CarrierSimulatorConfiguration(
            host: host, port: port,
            accountSID: accountSid ?? Environment.value("TWILIO_ACCOUNT_SID")
                ?? CarrierSimulatorConfiguration.demoAccountSID,
            authToken: authToken ?? Environment.value("TWILIO_AUTH_TOKEN")
                ?? CarrierSimulatorConfiguration.demoAuthToken,
            apiKeySID: apiKeySid ?? Environment.value("TWILIO_API_KEY_SID"),
            apiKeySecret: apiKeySecret ?? Environment.value("TWILIO_API_KEY_SECRET"),
            carrier: SimulatedCarrierConfiguration(
                latency: latency,
                permanentFailureRate: permanentFailureRate, transientFailureRate: transientFailureRate,
                rateLimitRate: rateLimitRate, seed: seed, recordsLog: false),
            undeliveredRate: undeliveredRate, failedRate: failedRate,
            callbackDelay: .milliseconds(callbackDelayMs), outOfOrderRate: outOfOrderRate,
            duplicateRate: duplicateRate, callbacksEnabled: !noCallbacks, inboundURL: inboundURL,
            transport: SimulatedTransportFaults(
                lateAnswerRate: lateAnswerRate, lateAnswerDelay: .seconds(lateAnswerSeconds), dropRate: dropRate,
                serverErrorRate: serverErrorRate),
            accountConcurrency: accountConcurrency)
        let server = CarrierSimulatorServer(configuration: configuration, logger: logger)
        let serviceLogger = logger
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runServices([server], logger: serviceLogger) }
            let bound = try await server.boundPort()
            print("carrier-sim listening on http://\(host):\(bound) account \(configuration.accountSID)")
            fflush(nil)
            try await group.next()
        }
    }
}
