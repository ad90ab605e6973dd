import Synchronization

/// A bound on requests handled at once: past it, a request is refused at once (503) instead of
/// queueing without bound, so an overloaded server sheds load in microseconds and stays small.
public final class InFlightLimit: Sendable {
    /// The most requests admitted at once.
    public let limit: Int
    private let current = Atomic<Int>(0)

    /// A limit of `limit` requests (at least one).
    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Requests admitted now.
    public var inFlight: Int { current.load(ordering: .relaxed) }

    /// Runs `body` when under the limit, else answers `refused()` (a value, or a thrown error)
    /// without running it.
    public func run<Result>(_ body: () async throws -> Result, refused: () throws -> Result) async rethrows -> Result {
        let admitted = current.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue <= limit
        defer { current.wrappingSubtract(1, ordering: .acquiringAndReleasing) }
        guard admitted else { return try refused() }
        return try await body()
    }
}
