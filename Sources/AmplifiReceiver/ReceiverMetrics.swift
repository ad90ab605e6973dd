public import AmplifiCarriers
public import AmplifiEngine
import CoreMetrics
public import Prometheus

/// The receiver's counters and timers (swift-metrics), kept in its own Prometheus registry and
/// rendered at `/metrics`.
public struct ReceiverMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    private let callbacks: [DeliveryStatus: CoreMetrics.Counter]
    private let rejections: [Rejection: CoreMetrics.Counter]
    private let inbound: [InboundKind: CoreMetrics.Counter]
    private let autoReplies: [String: CoreMetrics.Counter]
    private let batches: CoreMetrics.Counter
    private let batchReports: CoreMetrics.Recorder
    private let batchSeconds: CoreMetrics.Timer
    private let stagedApplied: CoreMetrics.Counter
    private let replyReports: [String: CoreMetrics.Counter]
    private let factory: PrometheusMetricsFactory

    /// Why a request was refused.
    public enum Rejection: String, Sendable, CaseIterable {
        case signature, malformed, overloaded
        case unknownNumber = "unknown_number"
        case failed
        /// The database refused the report itself (its batch was then applied row by row).
        case unstorable
    }

    /// What kind of inbound message arrived.
    public enum InboundKind: String, Sendable, CaseIterable {
        case reply
        case optOut = "opt_out"
        case optIn = "opt_in"
        case help, duplicate
    }

    /// Metrics in a fresh registry (nothing global: several receivers can live in one test process).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let factory = PrometheusMetricsFactory(registry: registry)
        self.factory = factory
        var callbacks: [DeliveryStatus: CoreMetrics.Counter] = [:]
        for status in DeliveryStatus.allCases {
            callbacks[status] = CoreMetrics.Counter(
                label: "amplifi_receiver_status_callbacks_total", dimensions: [("status", status.rawValue)],
                factory: factory)
        }
        self.callbacks = callbacks
        self.rejections = Dictionary(
            uniqueKeysWithValues: Rejection.allCases.map {
                (
                    $0,
                    CoreMetrics.Counter(
                        label: "amplifi_receiver_rejected_total", dimensions: [("reason", $0.rawValue)],
                        factory: factory)
                )
            })
        self.inbound = Dictionary(
            uniqueKeysWithValues: InboundKind.allCases.map {
                (
                    $0,
                    CoreMetrics.Counter(
                        label: "amplifi_receiver_inbound_total", dimensions: [("kind", $0.rawValue)], factory: factory)
                )
            })
        self.autoReplies = Dictionary(
            uniqueKeysWithValues: ["sent", "failed", "insufficient_credits", "none"].map {
                (
                    $0,
                    CoreMetrics.Counter(
                        label: "amplifi_receiver_auto_replies_total", dimensions: [("outcome", $0)], factory: factory)
                )
            })
        self.batches = CoreMetrics.Counter(label: "amplifi_receiver_status_batches_total", factory: factory)
        self.batchReports = CoreMetrics.Recorder(label: "amplifi_receiver_status_batch_reports", factory: factory)
        self.batchSeconds = CoreMetrics.Timer(label: "amplifi_receiver_status_batch_seconds", factory: factory)
        self.stagedApplied = CoreMetrics.Counter(label: "amplifi_receiver_staged_applied_total", factory: factory)
        self.replyReports = Dictionary(
            uniqueKeysWithValues: ["applied", "unchanged", "mismatched", "not_found", "not_recorded"].map {
                (
                    $0,
                    CoreMetrics.Counter(
                        label: "amplifi_receiver_reply_status_reports_total", dimensions: [("outcome", $0)],
                        factory: factory)
                )
            })
    }

    /// A verified status callback arrived.
    public func callbackReceived(_ status: DeliveryStatus) { callbacks[status]?.increment() }
    /// A request was refused.
    public func rejected(_ reason: Rejection) { rejections[reason]?.increment() }
    /// An inbound message was handled.
    public func inboundReceived(_ kind: InboundKind) { inbound[kind]?.increment() }
    /// An auto-reply ended with `outcome` (sent / failed / insufficient_credits / none).
    public func autoReply(_ outcome: String) { (autoReplies[outcome] ?? autoReplies["failed"])?.increment() }
    /// A batch of `reports` was applied in `duration`.
    public func batchApplied(reports: Int, duration: Duration) {
        batches.increment()
        batchReports.record(reports)
        let (seconds, attoseconds) = duration.components
        batchSeconds.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
    /// A reply's status report was handled with `outcome`.
    public func replyStatusApplied(_ outcome: ReplyStatusApplier.Outcome) {
        let name =
            switch outcome {
            case .applied: "applied"
            case .unchanged: "unchanged"
            case .mismatched: "mismatched"
            case .notFound: "not_found"
            case .notRecorded: "not_recorded"
            }
        replyReports[name]?.increment()
    }
    /// Staged reports were applied now that their messages are recorded.
    public func stagedApplied(_ count: Int) { if count > 0 { stagedApplied.increment(by: count) } }

    /// The Prometheus text exposition of every metric.
    public func render() -> String { registry.emitToString() }
}
