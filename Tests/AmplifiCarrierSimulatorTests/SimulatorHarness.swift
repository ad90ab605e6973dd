import AmplifiCarrierSimulator
import AmplifiCarriers
import AmplifiMessaging
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// Test plumbing: a running simulator, a webhook receiver, and a `TwilioCarrier` pointed at the simulator.
enum SimulatorHarness {
    static let logger: Logger = {
        var logger = Logger(label: "test.carrier-sim")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs a simulator with `configuration` (port 0) and a `TwilioCarrier` for it, then stops both.
    static func withSimulator(
        _ configuration: CarrierSimulatorConfiguration = CarrierSimulatorConfiguration(),
        credentials: TwilioCarrierConfiguration.Credentials? = nil,
        _ body: (_ carrier: TwilioCarrier, _ baseURL: String) async throws -> Void
    ) async throws {
        let server = CarrierSimulatorServer(configuration: configuration, logger: logger)
        try await runServer(server, credentials: credentials) { carrier, baseURL in try await body(carrier, baseURL) }
    }

    /// Runs `server` and a `TwilioCarrier` for it (giving up on an answer after `requestTimeout`),
    /// then stops both.
    static func withServer(
        _ server: CarrierSimulatorServer, credentials: TwilioCarrierConfiguration.Credentials? = nil,
        requestTimeout: Duration = .seconds(10), _ body: (_ carrier: TwilioCarrier) async throws -> Void
    ) async throws {
        try await runServer(server, credentials: credentials, requestTimeout: requestTimeout) { carrier, _ in
            try await body(carrier)
        }
    }

    private static func runServer(
        _ server: CarrierSimulatorServer, credentials: TwilioCarrierConfiguration.Credentials?,
        requestTimeout: Duration = .seconds(10),
        _ body: (_ carrier: TwilioCarrier, _ baseURL: String) async throws -> Void
    ) async throws {
        let configuration = server.configuration
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [server], logger: logger))
        let task = Task { try await group.run() }
        defer { task.cancel() }
        let port = try await server.boundPort()
        let baseURL = "http://127.0.0.1:\(port)"
        let carrier = TwilioCarrier(
            configuration: TwilioCarrierConfiguration(
                accountSID: configuration.accountSID,
                credentials: credentials ?? .authToken(configuration.authToken), baseURL: baseURL,
                maxConcurrentRequests: 8, requestTimeout: requestTimeout),
            logger: logger)
        do {
            try await body(carrier, baseURL)
        } catch {
            try? await carrier.shutdown()
            throw error
        }
        try await carrier.shutdown()
        // Graceful shutdown must end the server (and its callback dispatcher) cleanly.
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// Runs a webhook receiver for `body`, then stops it.
    static func withReceiver(
        authToken: String = CarrierSimulatorConfiguration.demoAuthToken, failFirst: Int = 0,
        _ body: (WebhookReceiver) async throws -> Void
    ) async throws {
        let receiver = WebhookReceiver(authToken: authToken, failFirst: failFirst)
        try await receiver.start()
        do {
            try await body(receiver)
        } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }

    /// `count` messages from one number to distinct numbers (or all to `to`), with `callback` as status URL.
    static func messages(
        _ count: Int, to: PhoneNumber? = nil, callback: ((Int) -> String)? = nil, body: String = "Hello from the sim"
    ) -> [OutboundMessage] {
        (0..<count).map { index in
            OutboundMessage(
                id: Int64(index), orgID: UUID(), from: PhoneNumber(trustedE164: "+19195550100"),
                to: to ?? PhoneNumber(trustedE164: "+1919555\(String(2000 + index))"), body: "\(body) \(index)",
                statusCallbackURL: callback?(index))
        }
    }

    /// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
    static func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows
        -> Bool
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    /// A raw HTTP request to the simulator; the status and the body.
    static func request(
        _ method: String, _ url: String, form: [(key: String, value: String)]? = nil, json: String? = nil,
        authorization: String? = nil
    ) async throws -> (Int, Data) {
        try await RawHTTP.send(method: method, url: url, form: form, json: json, authorization: authorization)
    }

    /// Basic credentials of the demo account (the simulator's default).
    static let demoAuthorization = basic(
        CarrierSimulatorConfiguration.demoAccountSID, CarrierSimulatorConfiguration.demoAuthToken)

    /// `Basic base64(user:password)`.
    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }
}
