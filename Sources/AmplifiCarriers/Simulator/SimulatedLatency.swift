/// How long the simulated carrier takes to answer a batch.
public enum SimulatedLatency: Hashable, Sendable {
    /// Answer at once, without suspending (for throughput benchmarks).
    case none
    /// Every request takes this long.
    case fixed(Duration)
    /// Each request takes a uniformly drawn time in this range; a batch's requests run concurrently,
    /// so the batch takes as long as its slowest request.
    case range(ClosedRange<Duration>)
}
