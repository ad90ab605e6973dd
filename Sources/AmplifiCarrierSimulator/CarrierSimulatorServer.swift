import AmplifiCarriers
import Hummingbird
public import Logging
import NIOCore
public import ServiceLifecycle
import Synchronization

/// The Twilio-compatible carrier simulator (`amplifi carrier-sim`) as a `Service`: an HTTP server
/// (Hummingbird) serving Twilio's Messages and Lookup endpoints, plus the status callbacks it posts.
///
/// Run it in a `ServiceGroup`; graceful shutdown stops the server, abandons callbacks not yet posted
/// and closes the callback client. `boundPort()` tells the port once it listens (useful with port 0).
/// It keeps every accepted message in memory (see `SimulatedMessage`): fine for demos of up to about
/// a million messages.
public final class CarrierSimulatorServer: Service, Sendable {
    /// The configuration it was made with.
    public let configuration: CarrierSimulatorConfiguration
    private let logger: Logger
    /// Every accepted message and the counters.
    private let store: SimulatedMessageStore
    /// The bound port once listening, or the error that stopped the server, and who waits for it.
    private let listening = Mutex<(result: Result<Int, any Error>?, waiters: [CheckedContinuation<Int, any Error>])>(
        (nil, []))

    /// The server has stopped before it listened.
    public struct NotListening: Error, CustomStringConvertible {
        /// Why it stopped.
        public let description: String
    }

    /// A simulator for `configuration`; logs (never numbers, bodies or secrets) go to `logger`.
    public init(configuration: CarrierSimulatorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.store = SimulatedMessageStore(stepDelay: configuration.callbackDelay)
    }

    /// Every message created so far, in creation order (the carrier's own log).
    public func createdLog() -> [CarrierSimulatorLogEntry] {
        store.createdLog()
    }

    /// The counters behind `/sim/stats`.
    public func stats() -> CarrierSimulatorStats {
        store.stats()
    }

    /// The port the server listens on; waits until it does. Throws when the server stopped first.
    public func boundPort() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let result: Result<Int, any Error>? = listening.withLock { state in
                if let result = state.result { return result }
                state.waiters.append(continuation)
                return nil
            }
            if let result { continuation.resume(with: result) }
        }
    }

    /// Settles `boundPort()` (the first result wins).
    private func settle(_ result: Result<Int, any Error>) {
        let waiters = listening.withLock { state in
            guard state.result == nil else { return [CheckedContinuation<Int, any Error>]() }
            state.result = result
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    /// Serves until graceful shutdown or cancellation.
    public func run() async throws {
        var carrierConfiguration = configuration.carrier
        carrierConfiguration.recordsLog = false
        // Over HTTP a lost answer is a transport event, not a result the API could encode.
        carrierConfiguration.ambiguousRate = 0
        let carrier = SimulatedCarrier(configuration: carrierConfiguration, logger: logger)
        let poster = SignedWebhookPoster(
            authToken: configuration.authToken, maxConnections: configuration.maxConcurrentCallbacks,
            retries: configuration.callbackRetries, logger: logger)
        let dispatcher = StatusCallbackDispatcher(
            store: store, poster: poster, configuration: configuration, logger: logger)
        let api = CarrierSimulatorAPI(
            configuration: configuration, carrier: carrier, store: store, dispatcher: dispatcher, poster: poster,
            authenticator: TwilioBasicAuthenticator(
                accountSID: configuration.accountSID, authToken: configuration.authToken,
                apiKeySID: configuration.apiKeySID, apiKeySecret: configuration.apiKeySecret),
            logger: logger)
        let router = Router(context: BasicRequestContext.self)
        api.register(on: router)
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "amplifi-carrier-sim"),
            services: [dispatcher],
            onServerRunning: { [self] channel in
                settle(
                    channel.localAddress?.port.map { .success($0) }
                        ?? .failure(NotListening(description: "no local address")))
            },
            logger: logger)
        do {
            try await app.run()
        } catch {
            settle(.failure(error))
            await poster.shutdown()
            throw error
        }
        settle(.failure(NotListening(description: "the simulator stopped")))
        await poster.shutdown()
    }
}
