public import Hummingbird
public import HummingbirdCore
public import Logging
import NIOCore

/// How long a client may take and how many may connect: the limits every HTTP role should set so
/// slow or stalled clients cannot exhaust it.
public struct HTTPServerLimits: Sendable {
    /// A connection with no request in progress is closed after this long (keep-alive idle, and a
    /// client that stops sending mid-request).
    public var idleTimeout: Duration
    /// A request's headers must be complete within this long of its first byte.
    public var headerTimeout: Duration
    /// A request's body must be complete within this long of its headers.
    public var bodyTimeout: Duration
    /// Connections open at once; past it, new ones wait in the listen backlog until one closes.
    public var maxConnections: Int
    /// The listen backlog (connections the kernel holds before they are accepted).
    public var backlog: Int

    /// Limits; every value has a default fit for a webhook receiver behind a carrier.
    public init(
        idleTimeout: Duration = .seconds(30), headerTimeout: Duration = .seconds(5),
        bodyTimeout: Duration = .seconds(10),
        maxConnections: Int = 2_048, backlog: Int = 1_024
    ) {
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.maxConnections = max(1, maxConnections)
        self.backlog = max(1, backlog)
    }

    /// The application configuration binding `address`, with the connection limit.
    public func applicationConfiguration(address: BindAddress, serverName: String, logger: Logger)
        -> ApplicationConfiguration
    {
        ApplicationConfiguration(
            address: address, serverName: serverName, backlog: backlog,
            availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger))
    }

    /// A Hummingbird application serving `router` on `host:port` under these limits; `onRunning`
    /// gets the bound port (port 0 picks a free one). The receiver and the API are built with it.
    public func application<Context: RequestContext>(
        router: Router<Context>, host: String, port: Int, serverName: String, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol where Context.Source == ApplicationRequestContextSource {
        Application(
            router: router, server: server(),
            configuration: applicationConfiguration(
                address: .hostname(host, port: port), serverName: serverName, logger: logger),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// An HTTP/1.1 server with the idle timeout and the header and body deadlines.
    public func server() -> HTTPServerBuilder {
        let limits = self
        return HTTPServerBuilder { responder in
            DeadlineHTTP1Channel(
                inner: HTTP1Channel(
                    responder: responder, configuration: .init(idleTimeout: TimeAmount(limits.idleTimeout))),
                headerTimeout: TimeAmount(limits.headerTimeout), bodyTimeout: TimeAmount(limits.bodyTimeout))
        }
    }
}

/// Hummingbird's HTTP/1.1 channel with `RequestReadClock`'s handlers around its decoder.
struct DeadlineHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let inner: HTTP1Channel
    let headerTimeout: TimeAmount
    let bodyTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let clock = RequestReadClock(headerTimeout: headerTimeout, bodyTimeout: bodyTimeout)
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(RequestBytesHandler(clock: clock), position: .first)
            // Just before the handler that turns parts into requests: after HTTP decoding.
            let connectionState = try pipeline.handler(type: HTTPConnectionStateHandler.self)
            try pipeline.addHandler(RequestPartsHandler(clock: clock), position: .before(connectionState))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
