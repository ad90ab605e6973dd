import CoreMetrics
public import Prometheus

/// One process's metrics: a Prometheus registry that swift-metrics reports into (after
/// ``bootstrap()``), plus the standard process series; ``render()`` is the `/metrics` body.
public struct RoleMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    let process: ProcessMetrics

    /// Metrics in `registry` (a fresh one by default).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.process = ProcessMetrics(registry: registry)
    }

    /// Routes every swift-metrics counter, gauge and timer of the process into this registry. swift-metrics
    /// allows this once per process: call it first thing in a role's `run`.
    public func bootstrap() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    /// The Prometheus text exposition of every series, process series refreshed.
    public func render() -> String {
        process.refresh()
        return registry.emitToString()
    }
}
