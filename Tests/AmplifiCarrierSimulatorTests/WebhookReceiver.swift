import AmplifiCarriers
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// A tiny HTTP server that records every form post it gets and checks its `X-Twilio-Signature`.
final class WebhookReceiver: Sendable {
    /// One received post.
    struct Post: Sendable {
        let url: String
        let fields: [(key: String, value: String)]
        let signatureValid: Bool

        func value(_ key: String) -> String? { fields.first { $0.key == key }?.value }
    }

    private let recorded = Mutex<[Post]>([])
    private let signature: TwilioSignature
    private let answer: Int
    /// Posts still to be answered 503 before `answer` is used (to exercise the sender's retries).
    private let failuresLeft: Mutex<Int>
    private let running = Mutex<(group: ServiceGroup, task: Task<Void, any Error>)?>(nil)
    /// `http://127.0.0.1:PORT`, once started.
    private(set) nonisolated(unsafe) var baseURL = ""

    /// A receiver verifying with `authToken`, answering every post with `answer`.
    init(authToken: String, answer: Int = 200, failFirst: Int = 0) {
        self.signature = TwilioSignature(authToken: authToken)
        self.answer = answer
        self.failuresLeft = Mutex(failFirst)
    }

    /// Every post so far.
    var posts: [Post] { recorded.withLock { $0 } }

    /// Starts listening on a free port.
    func start() async throws {
        let router = Router()
        router.post("/**") { request, context -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let fields = FormURLEncoding.decode(String(buffer: body))
            let url = self.baseURL + request.uri.description
            let valid = self.signature.isValid(
                request.headers[values: HTTPField.Name("X-Twilio-Signature")!].first ?? "", url: url, parameters: fields
            )
            self.recorded.withLock { $0.append(Post(url: url, fields: fields, signatureValid: valid)) }
            let fail = self.failuresLeft.withLock { left in
                defer { left = max(0, left - 1) }
                return left > 0
            }
            return Response(status: HTTPResponse.Status(code: fail ? 503 : self.answer))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: SimulatorHarness.logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [app], logger: SimulatorHarness.logger))
        running.withLock { $0 = (group, Task { try await group.run() }) }
        var port = 0
        for await bound in ports { port = bound }
        baseURL = "http://127.0.0.1:\(port)"
    }

    /// Stops the server.
    func stop() async {
        guard let (group, task) = running.withLock({ $0 }) else { return }
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
