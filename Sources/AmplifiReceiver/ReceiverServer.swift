public import AmplifiCarriers
public import AmplifiEngine
public import AmplifiHTTP
public import AmplifiPostgres
public import AmplifiRedis
public import Hummingbird
public import Logging
import NIOCore
public import ServiceLifecycle

/// `amplifi receiver` as services: the HTTP server, the status batcher, and the loop that retries
/// staged reports and pending auto-replies. Run them in one `ServiceGroup` (the command does; tests
/// use `run()` and cancel it).
public struct ReceiverServer: Sendable {
    /// The configuration it was made with.
    public let configuration: ReceiverConfiguration
    /// The metrics `/metrics` renders.
    public let metrics: ReceiverMetrics
    private let batcher: StatusReportBatcher
    private let maintenance: ReceiverMaintenance
    private let readiness: ReadinessProbe
    private let routes: ReceiverRoutes
    private let logger: Logger
    private let onRunning: @Sendable (Int) async -> Void

    /// A receiver over `client` that sends auto-replies through `carrier`, paced by the sender numbers'
    /// rate buckets in `redis` (the workers' buckets: same `keys`); `onRunning` gets the bound port.
    public init(
        configuration: ReceiverConfiguration, client: PostgresClient, redis: RedisClient, keys: QueueKeys = QueueKeys(),
        carrier: any Carrier, logger: Logger,
        metrics: ReceiverMetrics = ReceiverMetrics(), onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        self.onRunning = onRunning
        let applier = DeliveryStatusApplier(client: client, logger: logger)
        self.batcher = StatusReportBatcher(
            maxBatch: configuration.maxBatch, maxDelay: configuration.maxBatchDelay, maxQueued: configuration.maxQueued,
            logger: logger, isRowError: Self.isRowError
        ) { events in
            let started = ContinuousClock.now
            _ = try await applier.apply(events)
            metrics.batchApplied(reports: events.count, duration: ContinuousClock.now - started)
        }
        let inbound = InboundMessageHandler(
            client: client, redis: redis, keys: keys, carrier: carrier,
            statusCallbackBase: ReceiverConfiguration.statusCallbackBase(publicURL: configuration.publicURL),
            logger: logger)
        self.maintenance = ReceiverMaintenance(
            applier: applier, inbound: inbound, metrics: metrics, stagedInterval: configuration.stagedRetryInterval,
            replyInterval: configuration.pendingReplyInterval, logger: logger)
        self.readiness = ReadinessProbe(
            checks: DependencyCheck.standard(client: client, redis: redis), interval: configuration.readinessInterval)
        self.routes = ReceiverRoutes(
            verifier: TwilioWebhookVerifier(publicURL: configuration.publicURL, authToken: configuration.authToken),
            batcher: batcher, inbound: inbound, replies: ReplyStatusApplier(client: client, logger: logger),
            readiness: readiness,
            inFlight: InFlightLimit(limit: configuration.maxInFlight), metrics: metrics)
    }

    /// Whether a failed status batch should be applied again row by row: yes when the database
    /// refused something in it (a value, a constraint), no when it could not be reached or the
    /// statement lost a lock race (those fail every row alike).
    static func isRowError(_ error: any Error) -> Bool {
        if error is EncodingError { return true }
        guard let error = error as? PostgresError else { return false }
        if error.isConnectionProblem || error.code == .cancelled { return false }
        return !(error.hasSQLState(.deadlockDetected) || error.hasSQLState(.serializationFailure))
    }

    /// The receiver's router, for serving it another way (in-memory route tests).
    public func router() -> Router<AmplifiRequestContext> { routes.router() }

    /// The services to run together: the batcher first, so it is shut down (drained) after the
    /// HTTP server has stopped taking requests.
    public func services() -> [any Service] {
        let application = configuration.limits.application(
            router: routes.router(), host: configuration.host, port: configuration.port,
            serverName: "amplifi-receiver", logger: logger, onRunning: onRunning)
        return [readiness, batcher, maintenance, application]
    }

    /// A service group of `services()`; `triggerGracefulShutdown()` on it stops the receiver cleanly
    /// (the HTTP server stops taking requests, then the batcher applies what it holds).
    public func serviceGroup() -> ServiceGroup {
        ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services().map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                logger: logger))
    }
}
