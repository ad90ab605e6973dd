import AmplifiCarriers
public import AmplifiHTTP
import Foundation

/// How `amplifi receiver` listens, verifies and batches: address, public URL, auth token, batch
/// limits, connection limits and deadlines, load shedding and the readiness probe.
public struct ReceiverConfiguration: Sendable {
    /// The address to bind (127.0.0.1 unless deployed behind a proxy that needs otherwise).
    public var host: String
    /// The port to bind; 0 picks a free one (tests).
    public var port: Int
    /// The URL the carrier reaches this receiver at (`AMPLIFI_PUBLIC_URL`, e.g. `https://hooks.example.com`),
    /// without a trailing slash: Twilio signs the full URL it posted to, so the receiver rebuilds it
    /// from this base plus the request's path and query.
    public var publicURL: String
    /// The Twilio account's auth token: the signature key (also when sending with an API key).
    public var authToken: String
    /// Status reports applied together in one statement.
    public var maxBatch: Int
    /// How long the first report of a batch waits for company before the batch is applied; zero
    /// (the default): at once, and reports arriving meanwhile form the next batch.
    public var maxBatchDelay: Duration
    /// Reports waiting beyond this many answer 503 (back-pressure instead of unbounded memory).
    public var maxQueued: Int
    /// How often staged reports (their message not recorded yet) are retried.
    public var stagedRetryInterval: Duration
    /// How often auto-replies left pending (a crash between storing and sending) are retried.
    public var pendingReplyInterval: Duration
    /// Timeouts and the connection limit of the HTTP server.
    public var limits: HTTPServerLimits
    /// Webhook requests handled at once; past it a request is answered 503 with Retry-After at
    /// once (load shedding) instead of waiting for a database connection or a batch slot.
    public var maxInFlight: Int
    /// How often `/readyz` re-probes Postgres and Redis (in the background; requests read the cache).
    public var readinessInterval: Duration

    /// A configuration; `publicURL` loses any trailing slash.
    public init(
        host: String = "127.0.0.1", port: Int, publicURL: String, authToken: String, maxBatch: Int = 500,
        maxBatchDelay: Duration = .zero, maxQueued: Int = 20_000,
        stagedRetryInterval: Duration = .seconds(2), pendingReplyInterval: Duration = .seconds(30),
        limits: HTTPServerLimits = HTTPServerLimits(), maxInFlight: Int = 4_096,
        readinessInterval: Duration = .seconds(2)
    ) {
        self.host = host
        self.port = port
        self.publicURL = BaseURL.trimmed(publicURL)
        self.authToken = authToken
        self.maxBatch = max(1, maxBatch)
        self.maxBatchDelay = maxBatchDelay
        self.maxQueued = max(self.maxBatch, maxQueued)
        self.stagedRetryInterval = stagedRetryInterval
        self.pendingReplyInterval = pendingReplyInterval
        self.limits = limits
        self.maxInFlight = max(1, maxInFlight)
        self.readinessInterval = readinessInterval
    }

    /// The status callback base a worker must use so callbacks reach this receiver:
    /// `<publicURL>/twilio/status` (the worker appends `/<org id>/<message id>`).
    public static func statusCallbackBase(publicURL: String) -> String {
        BaseURL.trimmed(publicURL) + ReceiverRoutes.statusPath
    }
}
