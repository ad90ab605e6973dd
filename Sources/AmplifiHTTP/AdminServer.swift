public import Hummingbird
public import Logging
import NIOCore
public import ServiceLifecycle

/// The admin port of a role (worker, scheduler, receiver): `/metrics` (Prometheus text from
/// `renderMetrics`), `/livez`, `/readyz` and `/healthz` (``HealthRoutes``), with request ids
/// (``RequestIDMiddleware``). Run ``services()`` beside the role's own services.
public struct AdminServer: Sendable {
    /// Address and port to listen on (`--admin-host`, `--admin-port`).
    public let host: String
    public let port: Int
    let readiness: ReadinessProbe
    let renderMetrics: @Sendable () -> String
    let serverName: String
    let logger: Logger
    let onRunning: @Sendable (Int) async -> Void

    /// An admin server on `host:port` answering readiness from `readiness` and metrics from
    /// `renderMetrics`; `onRunning` gets the bound port (port 0 picks a free one).
    public init(
        host: String, port: Int, readiness: ReadinessProbe, serverName: String, logger: Logger,
        renderMetrics: @escaping @Sendable () -> String, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.readiness = readiness
        self.serverName = serverName
        self.logger = logger
        self.renderMetrics = renderMetrics
        self.onRunning = onRunning
    }

    /// The admin routes.
    public func router() -> Router<AmplifiRequestContext> {
        let router = Router(context: AmplifiRequestContext.self)
        router.add(middleware: ResponseMetricsMiddleware(server: "admin"))
        router.add(middleware: RequestIDMiddleware())
        HealthRoutes(probe: readiness).add(to: router)
        let render = renderMetrics
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: render())))
        }
        return router
    }

    /// The readiness probe and the HTTP server, to run with the role's services.
    public func services() -> [any Service] {
        // The receiver's deadlines and connection limit protect the admin port too.
        let application = HTTPServerLimits().application(
            router: router(), host: host, port: port, serverName: serverName, logger: logger, onRunning: onRunning)
        return [readiness, application]
    }
}
