/// One dependency a server needs to be ready (Postgres, Redis…): a name and a cheap round trip.
public struct DependencyCheck: Sendable {
    /// The name `/readyz` reports when the check fails (`postgres`, `redis`).
    public let name: String
    let check: @Sendable () async throws -> Void

    /// A check called `name` that throws when the dependency does not answer. Its error is never
    /// shown: only the name is.
    public init(name: String, check: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.check = check
    }
}
