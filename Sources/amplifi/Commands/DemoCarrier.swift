import AmplifiCarrierSimulator
import AmplifiCarriers
import AmplifiEngine
import AmplifiLocalServers
import AmplifiPostgres
import AmplifiReceiver
import AmplifiRedis
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// The carrier `amplifi demo` sends through: the in-process simulator (`--carrier sim`), or real
/// HTTP (`--carrier twilio-sim`): the Twilio adapter talking to the carrier-sim server, whose signed
/// status callbacks and inbound messages reach a receiver — both servers started in-process on
/// free 127.0.0.1 ports.
final class DemoCarrier: Sendable {
    /// What the senders call.
    let carrier: any Carrier
    /// Where the carrier posts status callbacks (nil: no callbacks, the in-process simulator).
    let statusCallbackBase: String?
    private let simulator: SimulatedCarrier?
    private let simulatorURL: String?
    private let servers: ServiceGroup?
    private let running: Task<Void, any Error>?

    private init(
        carrier: any Carrier, statusCallbackBase: String?, simulator: SimulatedCarrier?, simulatorURL: String?,
        servers: ServiceGroup?, running: Task<Void, any Error>?
    ) {
        self.carrier = carrier
        self.statusCallbackBase = statusCallbackBase
        self.simulator = simulator
        self.simulatorURL = simulatorURL
        self.servers = servers
        self.running = running
    }

    /// Whether inbound messages can be simulated (only over HTTP, through the receiver).
    var receivesInbound: Bool { simulatorURL != nil }

    /// The in-process simulator: 15 ms per batch, 1% permanent and 1% transient failures.
    static func inProcess(logger: Logger) -> DemoCarrier {
        let simulator = SimulatedCarrier(
            configuration: SimulatedCarrierConfiguration(
                latency: .fixed(.milliseconds(15)), permanentFailureRate: 0.01, transientFailureRate: 0.01,
                recordsLog: true),
            logger: logger)
        return DemoCarrier(
            carrier: simulator, statusCallbackBase: nil, simulator: simulator, simulatorURL: nil, servers: nil,
            running: nil)
    }

    /// The carrier-sim server (same failure rates, 3% undelivered, some callbacks out of order or
    /// twice) and a receiver over `client`, both on free ports; the Twilio adapter points at the former.
    static func overHTTP(client: PostgresClient, redis: RedisClient, keys: QueueKeys, logger: Logger) async throws
        -> DemoCarrier
    {
        let receiverPort = try LocalNetwork.freePort()
        let simulatorPort = try LocalNetwork.freePort()
        let publicURL = "http://127.0.0.1:\(receiverPort)"
        let baseURL = "http://127.0.0.1:\(simulatorPort)"
        let token = CarrierSimulatorConfiguration.demoAuthToken
        let simulator = CarrierSimulatorServer(
            configuration: CarrierSimulatorConfiguration(
                port: simulatorPort,
                carrier: SimulatedCarrierConfiguration(
                    latency: .fixed(.milliseconds(2)), permanentFailureRate: 0.01, transientFailureRate: 0.01),
                undeliveredRate: 0.03, outOfOrderRate: 0.1, duplicateRate: 0.05,
                inboundURL: publicURL + ReceiverRoutes.inboundPath),
            logger: logger)
        // One adapter for the senders and the receiver's auto-replies.
        let carrier = TwilioCarrier(
            configuration: TwilioCarrierConfiguration(
                accountSID: CarrierSimulatorConfiguration.demoAccountSID, credentials: .authToken(token),
                baseURL: baseURL),
            logger: logger)
        let receiver = ReceiverServer(
            configuration: ReceiverConfiguration(port: receiverPort, publicURL: publicURL, authToken: token),
            client: client, redis: redis, keys: keys, carrier: carrier, logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: ([simulator] + receiver.services()).map {
                    ServiceGroupConfiguration.ServiceConfiguration(service: $0)
                },
                logger: logger))
        let running = Task { try await group.run() }
        _ = try await simulator.boundPort()
        try await LocalNetwork.waitUntil("the receiver", timeout: 30) { LocalNetwork.isListening(port: receiverPort) }
        return DemoCarrier(
            carrier: carrier, statusCallbackBase: ReceiverConfiguration.statusCallbackBase(publicURL: publicURL),
            simulator: nil, simulatorURL: baseURL, servers: group, running: running)
    }

    /// Recipients the carrier accepted the same message for more than once (must be 0).
    func duplicates() async throws -> Int {
        if let simulator { return simulator.duplicateDeliveries().count }
        return try await stats()?.duplicates ?? 0
    }

    /// The carrier-sim server's counters (nil for the in-process simulator).
    func stats() async throws -> CarrierSimulatorStats? {
        guard let simulatorURL else { return nil }
        var request = HTTPClientRequest(url: simulatorURL + "/sim/stats")
        request.headers.add(name: "Authorization", value: Self.simulatorAuthorization)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return try JSONDecoder().decode(CarrierSimulatorStats.self, from: Data(body.readableBytesView))
    }

    /// Has the carrier-sim server post a signed inbound message `from` → `to` to the receiver;
    /// returns the receiver's HTTP status.
    func simulateInbound(from: String, to: String, body: String) async throws -> Int {
        guard let simulatorURL else { return 0 }
        var request = HTTPClientRequest(url: simulatorURL + "/sim/inbound")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Authorization", value: Self.simulatorAuthorization)
        request.body = .bytes(ByteBuffer(string: FormURLEncoding.encode([("From", from), ("To", to), ("Body", body)])))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    /// Basic credentials of the demo account, which `/sim/*` requires.
    private static let simulatorAuthorization =
        "Basic "
        + Data(
            "\(CarrierSimulatorConfiguration.demoAccountSID):\(CarrierSimulatorConfiguration.demoAuthToken)".utf8
        ).base64EncodedString()

    /// Stops the servers (the receiver applies the callbacks it holds first).
    func stop() async {
        await servers?.triggerGracefulShutdown()
        _ = try? await running?.value
        try? await carrier.shutdown()
    }
}
