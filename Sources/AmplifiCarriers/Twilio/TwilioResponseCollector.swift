import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Collects one HTTP response (status, headers, a bounded body) for `TwilioCarrier`, and remembers
/// whether the request head was handed to a connection: after that point a create may exist at the
/// carrier even if the request then fails, before it the request provably never left.
final class TwilioResponseCollector: HTTPClientResponseDelegate {
    /// A whole response.
    struct Collected: Sendable {
        /// The HTTP status code.
        var status: Int
        /// The response headers.
        var headers: HTTPHeaders
        /// The whole body.
        var body: Data
    }

    typealias Response = Collected

    /// The body passed `maxBodyBytes`: the answer is not a Twilio resource.
    struct BodyTooLarge: Error {}

    /// The request finished without a response head (never expected from async-http-client).
    struct NoResponseHead: Error {}

    /// What the event loop has seen so far.
    private struct State: Sendable {
        var requestWritten = false
        var head: HTTPResponseHead?
        var body = ByteBuffer()
    }

    private let state = Mutex(State())
    private let maxBodyBytes: Int

    /// A collector that fails the request when the body passes `maxBodyBytes`.
    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// Whether the request head was written to a connection (conservatively: handed to it, since
    /// async-http-client reports the write as soon as it is issued). Read it once the task ended.
    var requestWritten: Bool { state.withLock { $0.requestWritten } }

    func didSendRequestHead(task: HTTPClient.Task<Collected>, _ head: HTTPRequestHead) {
        state.withLock { $0.requestWritten = true }
    }

    func didReceiveHead(task: HTTPClient.Task<Collected>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        state.withLock { $0.head = head }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Collected>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let fits = state.withLock { state -> Bool in
            guard state.body.readableBytes + buffer.readableBytes <= maxBodyBytes else { return false }
            var part = buffer
            state.body.writeBuffer(&part)
            return true
        }
        return fits ? task.eventLoop.makeSucceededVoidFuture() : task.eventLoop.makeFailedFuture(BodyTooLarge())
    }

    func didFinishRequest(task: HTTPClient.Task<Collected>) throws -> Collected {
        try state.withLock { state in
            guard let head = state.head else { throw NoResponseHead() }
            return Collected(
                status: Int(head.status.code), headers: head.headers, body: Data(state.body.readableBytesView))
        }
    }
}
