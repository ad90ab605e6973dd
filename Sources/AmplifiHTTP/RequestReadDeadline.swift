import NIOCore
import NIOHTTPTypes

/// The clock of one connection's request being read: its headers must be complete within
/// `headerTimeout` of its first byte, its body within `bodyTimeout` of its headers; past either,
/// the connection is closed (a slow or stalled client holds a connection slot for a bounded time).
/// Answering a request is never timed here. Confined to the channel's event loop.
final class RequestReadClock {
    enum Phase { case idle, readingHead, readingBody, answering }

    let headerTimeout: TimeAmount
    let bodyTimeout: TimeAmount
    private(set) var phase = Phase.idle
    private var timer: Scheduled<Void>?

    init(headerTimeout: TimeAmount, bodyTimeout: TimeAmount) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
    }

    /// Bytes arrived: the first ones of a request start its header deadline.
    func bytesRead(_ context: ChannelHandlerContext) {
        guard phase == .idle else { return }
        arm(.readingHead, after: headerTimeout, context)
    }

    /// The request's headers are complete: its body deadline starts.
    func headReceived(_ context: ChannelHandlerContext) { arm(.readingBody, after: bodyTimeout, context) }

    /// The request was read in full: nothing is timed while it is answered.
    func requestRead() {
        timer?.cancel()
        timer = nil
        phase = .answering
    }

    /// The response went out: the next bytes start a new request.
    func responseWritten() {
        if phase == .answering { phase = .idle }
    }

    func cancel() {
        timer?.cancel()
        timer = nil
    }

    private func arm(_ next: Phase, after delay: TimeAmount, _ context: ChannelHandlerContext) {
        timer?.cancel()
        phase = next
        let loop = context.eventLoop.assumeIsolated()
        timer = loop.scheduleTask(in: delay) { [weak self] in
            guard let self, self.phase == next else { return }
            self.timer = nil
            context.close(promise: nil)
        }
    }
}

/// First in the pipeline (raw bytes): starts a request's header deadline at its first byte.
final class RequestBytesHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let clock: RequestReadClock

    init(clock: RequestReadClock) { self.clock = clock }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        clock.bytesRead(context)
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        clock.cancel()
        context.fireChannelInactive()
    }
}

/// After HTTP decoding: moves the clock on the request's head and end and the response's end.
final class RequestPartsHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart
    let clock: RequestReadClock

    init(clock: RequestReadClock) { self.clock = clock }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: clock.headReceived(context)
        case .body: break
        case .end: clock.requestRead()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { clock.responseWritten() }
        context.write(data, promise: promise)
    }
}
