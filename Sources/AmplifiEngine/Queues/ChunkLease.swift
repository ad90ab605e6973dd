/// A chunk job handed to one worker until the lease expires (Redis server time).
///
/// Complete it with `FairChunkQueue.complete(_:)`, or keep it with `extend(_:leaseSeconds:)`
/// while the chunk takes long; an expired lease's job goes back to the front of its
/// organization's queue for another worker.
public struct ChunkLease: Sendable, Hashable {
    /// The lease's unique token (worker name, server time and a counter).
    public var token: String
    /// The job leased.
    public var job: ChunkJob
    /// When the lease expires, in Redis server milliseconds since 1970.
    public var expiresAtMilliseconds: Int

    /// A lease of `job` under `token`.
    public init(token: String, job: ChunkJob, expiresAtMilliseconds: Int) {
        self.token = token
        self.job = job
        self.expiresAtMilliseconds = expiresAtMilliseconds
    }
}
