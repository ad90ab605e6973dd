public import AmplifiCarriers
public import AmplifiEngine
public import AmplifiHTTP
public import AmplifiPostgres
public import AmplifiRedis
public import Hummingbird
public import Logging
public import ServiceLifecycle

/// `amplifi api`: the HTTP API of campaigns, segments, contacts and conversations for the product's clients and ops tools. Stateless (every
/// replica answers every request from Postgres and Redis), behind any load balancer.
///
/// Middleware, outermost first: responses counted by class, the request id returned in
/// `X-Request-Id` (and errors rendered with it), engine errors translated to API errors; then, under
/// `/api` and `/v1`, the API key, the key's rate limit and `Idempotency-Key`. `/livez` and `/readyz` on the
/// same port serve the load balancer.
public struct APIServer: Sendable {
    /// Where to listen and what to bear.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var limits: HTTPServerLimits
        /// Requests a second one API key may make, across every replica.
        public var keyRequestsPerSecond: Int
        /// The carrier's name, as a reply's answer reports it (`provider`).
        public var carrierName: String
        /// The receiver's status path (`<public URL>/twilio/status`) for the status callbacks of test
        /// sends and replies; nil: none.
        public var statusCallbackBase: String?

        public init(
            host: String, port: Int, limits: HTTPServerLimits = HTTPServerLimits(), keyRequestsPerSecond: Int = 50,
            carrierName: String = "twilio", statusCallbackBase: String? = nil
        ) {
            self.host = host
            self.port = port
            self.limits = limits
            self.keyRequestsPerSecond = keyRequestsPerSecond
            self.carrierName = carrierName
            self.statusCallbackBase = statusCallbackBase
        }
    }

    let configuration: Configuration
    let keys: APIKeyStore
    let idempotency: IdempotencyStore
    let rateLimit: KeyRateLimit
    let campaigns: CampaignRoutes
    let segments: SegmentRoutes
    let contacts: ContactRoutes
    let conversations: ConversationRoutes
    let readiness: ReadinessProbe
    let logger: Logger
    let onRunning: @Sendable (Int) async -> Void

    /// An API over `client` (Postgres) and `redis` under `keys`, sending test messages through
    /// `carrier`; `onRunning` gets the bound port.
    public init(
        configuration: Configuration, client: PostgresClient, redis: RedisClient, keys: QueueKeys,
        carrier: any Carrier, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.keys = APIKeyStore(client: client, logger: logger)
        self.idempotency = IdempotencyStore(client: client)
        self.rateLimit = KeyRateLimit(redis: redis, keys: keys, perSecond: configuration.keyRequestsPerSecond)
        self.campaigns = CampaignRoutes(
            store: CampaignStore(client: client, logger: logger),
            control: CampaignControl(client: client, redis: redis, keys: keys, logger: logger),
            abWinner: ABWinnerSelection(client: client, redis: redis, keys: keys, logger: logger),
            testSend: CampaignTestSend(
                client: client, redis: redis, keys: keys, carrier: carrier,
                statusCallbackBase: configuration.statusCallbackBase, logger: logger))
        let segmentStore = SegmentStore(client: client, logger: logger)
        self.segments = SegmentRoutes(store: segmentStore)
        self.contacts = ContactRoutes(store: ContactStore(client: client, logger: logger), segments: segmentStore)
        self.conversations = ConversationRoutes(
            store: ConversationStore(client: client),
            reply: ConversationReply(
                client: client, redis: redis, keys: keys, carrier: carrier,
                statusCallbackBase: configuration.statusCallbackBase, logger: logger),
            provider: configuration.carrierName)
        self.readiness = ReadinessProbe(checks: DependencyCheck.standard(client: client, redis: redis))
        self.logger = logger
        self.onRunning = onRunning
    }

    /// Every route.
    public func router() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: ResponseMetricsMiddleware(server: "public"))
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: EngineErrorTranslation())
        HealthRoutes(probe: readiness).add(to: router)
        router.get("/openapi.json") { _, _ in APIResponse.json(OpenAPIDocument.json, status: .ok) }
        let api = authenticated(router.group("api"))
        campaigns.add(to: api.group("campaigns"))
        segments.add(to: api.group("segments"))
        contacts.add(to: api.group("contacts"))
        conversations.add(to: api.group("conversations"))
        conversations.addV1(to: authenticated(router.group("v1")).group("conversations"))
        return router
    }

    /// `group` behind the API key, the key's rate and `Idempotency-Key`.
    func authenticated(_ group: RouterGroup<APIRequestContext>) -> RouterGroup<APIRequestContext> {
        group.add(middleware: APIKeyAuthenticator(keys: keys)).add(middleware: rateLimit)
            .add(middleware: IdempotencyMiddleware(store: idempotency))
    }

    /// The readiness probe and the HTTP server, to run with the role's other services.
    public func services() -> [any Service] {
        let application = configuration.limits.application(
            router: router(), host: configuration.host, port: configuration.port, serverName: "amplifi-api",
            logger: logger, onRunning: onRunning)
        // Idempotency keys past their 24 hours, forgotten by every replica (idempotent).
        let purge = PeriodicJob(
            name: "idempotency keys forgotten", metric: "idempotency_purge", interval: .seconds(3_600), logger: logger
        ) {
            [idempotency] in try await idempotency.purgeExpired()
        }
        return [readiness, purge, application]
    }
}
