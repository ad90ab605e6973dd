public import Hummingbird
import NIOCore

/// `/livez` (the process answers; touches nothing), and `/readyz` and `/healthz` (the dependencies
/// answered the last background probe). Every body is fixed: a failing dependency is named, its
/// error never shown (a libpq message can quote the connection string, and so its password).
public struct HealthRoutes: Sendable {
    /// Liveness: 200 while the process serves HTTP.
    public static let livePath = "/livez"
    /// Readiness: 200 when every dependency answered the last probe, else 503.
    public static let readyPath = "/readyz"
    /// Kept for existing probes: the same answer as `/readyz`.
    public static let healthPath = "/healthz"

    let probe: ReadinessProbe

    /// Routes answering from `probe`'s cached result.
    public init(probe: ReadinessProbe) {
        self.probe = probe
    }

    /// Adds the three routes to `router`.
    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.get(RouterPath(Self.livePath)) { _, _ in Self.plain("ok\n") }
        router.get(RouterPath(Self.readyPath)) { _, _ in try self.readiness() }
        router.get(RouterPath(Self.healthPath)) { _, _ in try self.readiness() }
    }

    /// 200 `ready`, or a 503 `NOT_READY` error naming the failing dependencies.
    func readiness() throws -> Response {
        let snapshot = probe.snapshot
        if snapshot.isReady { return Self.plain("ready\n") }
        let what = snapshot.probed ? "not answering: \(snapshot.failing.joined(separator: ", "))" : "not probed yet"
        throw APIError(.serviceUnavailable, code: .notReady, message: "dependencies \(what)", retryAfterSeconds: 2)
    }

    /// A plain-text 200 with a fixed `text`.
    static func plain(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
