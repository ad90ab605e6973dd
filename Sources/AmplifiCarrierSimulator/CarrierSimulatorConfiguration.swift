public import AmplifiCarriers

/// How `CarrierSimulatorServer` listens, whom it lets in, how it answers and how it reports delivery.
///
/// Accept/refuse decisions come from `carrier` (a `SimulatedCarrierConfiguration`: latency, 429s,
/// invalid numbers, …); what happens after acceptance (undelivered, failed, the callbacks' timing,
/// order and duplicates) is configured here. Every draw is repeatable from `carrier.seed`.
public struct CarrierSimulatorConfiguration: Sendable {
    /// The demo account sid used when none is given (`amplifi carrier-sim` without TWILIO_ACCOUNT_SID).
    public static let demoAccountSID = "ACsimulator000000000000000000000000"
    /// The demo auth token used when none is given.
    public static let demoAuthToken = "simulator-auth-token"

    /// Host to bind (default loopback only).
    public var host: String
    /// Port to bind; 0 picks a free one (see `CarrierSimulatorServer.boundPort()`).
    public var port: Int
    /// The account (`AC…`) every `/2010-04-01/Accounts/{AccountSid}` path must name.
    public var accountSID: String
    /// The auth token: Basic password with the account sid, and the key of every `X-Twilio-Signature`.
    public var authToken: String
    /// An optional API key sid (`SK…`) accepted as Basic username with `apiKeySecret`.
    public var apiKeySID: String?
    /// The API key's secret.
    public var apiKeySecret: String?
    /// Accept/refuse behavior (latency, failure rates, seed); its `recordsLog` and `ambiguousRate`
    /// are ignored (an answer lost over HTTP is a transport event this server does not simulate).
    public var carrier: SimulatedCarrierConfiguration
    /// Share of accepted messages that end `undelivered` (30003, 30005 or 30006, evenly).
    public var undeliveredRate: Double
    /// Share of accepted messages that end `failed` (30008).
    public var failedRate: Double
    /// Pause before each status step of a message (queued → sent → delivered).
    public var callbackDelay: Duration
    /// Share of messages whose last two callbacks are posted in the wrong order.
    public var outOfOrderRate: Double
    /// Share of messages with one callback posted twice.
    public var duplicateRate: Double
    /// Whether status callbacks are posted at all (off: statuses still advance on their own timeline).
    public var callbacksEnabled: Bool
    /// Where `POST /sim/inbound` delivers inbound-message webhooks, if anywhere.
    public var inboundURL: String?
    /// Callback posts in flight at once.
    public var maxConcurrentCallbacks: Int
    /// Callback steps waiting to be posted; past this, new steps are dropped (and counted).
    public var callbackQueueCapacity: Int
    /// Retries of a callback post that failed to connect or got a 5xx.
    public var callbackRetries: Int
    /// The largest `PageSize` honored by the list endpoint (Twilio's is 1000; tests lower it).
    public var maxPageSize: Int
    /// Late answers, cut connections and 5xx on create requests.
    public var transport: SimulatedTransportFaults
    /// Outages and throttling episodes switched on while the simulator runs.
    public var control: CarrierSimulatorControl
    /// The most create requests the account may have in processing at once (their simulated latency
    /// included), as Twilio limits an account's concurrent API requests; one more is answered 429 /
    /// 20429 with a `Twilio-Concurrent-Requests` header and creates nothing. 0: unlimited.
    public var accountConcurrency: Int

    /// A configuration; the defaults accept everything and deliver it, with callbacks 25 ms apart.
    public init(
        host: String = "127.0.0.1", port: Int = 0, accountSID: String = Self.demoAccountSID,
        authToken: String = Self.demoAuthToken, apiKeySID: String? = nil, apiKeySecret: String? = nil,
        carrier: SimulatedCarrierConfiguration = SimulatedCarrierConfiguration(),
        undeliveredRate: Double = 0, failedRate: Double = 0, callbackDelay: Duration = .milliseconds(25),
        outOfOrderRate: Double = 0, duplicateRate: Double = 0, callbacksEnabled: Bool = true,
        inboundURL: String? = nil, maxConcurrentCallbacks: Int = 32, callbackQueueCapacity: Int = 100_000,
        callbackRetries: Int = 3, maxPageSize: Int = 1_000,
        transport: SimulatedTransportFaults = SimulatedTransportFaults(),
        control: CarrierSimulatorControl = CarrierSimulatorControl(), accountConcurrency: Int = 0
    ) {
        self.host = host
        self.port = port
        self.accountSID = accountSID
        self.authToken = authToken
        self.apiKeySID = apiKeySID
        self.apiKeySecret = apiKeySecret
        self.carrier = carrier
        self.undeliveredRate = undeliveredRate
        self.failedRate = failedRate
        self.callbackDelay = callbackDelay
        self.outOfOrderRate = outOfOrderRate
        self.duplicateRate = duplicateRate
        self.callbacksEnabled = callbacksEnabled
        self.inboundURL = inboundURL
        self.maxConcurrentCallbacks = max(1, maxConcurrentCallbacks)
        self.callbackQueueCapacity = max(1, callbackQueueCapacity)
        self.callbackRetries = max(0, callbackRetries)
        self.maxPageSize = min(max(1, maxPageSize), 1_000)
        self.transport = transport
        self.control = control
        self.accountConcurrency = max(0, accountConcurrency)
    }
}
