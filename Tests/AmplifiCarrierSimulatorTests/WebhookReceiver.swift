import AmplifiCarriers
import Foundation
import HTTPTypes
import Hummingbird
import Logging
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
    private let task = Mutex<Task<Void, any Error>?>(nil)
    /// `http://127.0.0.1:PORT`, once started.
    private(set) nonisolated(unsafe) var baseURL = ""

    /// A receiver verifying with `authToken`, answering every post with `answer`.
    init(authToken: String, answer: Int = 200) {
        self.signature = TwilioSignature(authToken: authToken)
        self.answer = answer
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
                request.headers[values: HTTPField.Name("X-Twilio-Signature")!].first ?? "", url: url, parameters: fields)
            self.recorded.withLock { $0.append(Post(url: url, fields: fields, signatureValid: valid)) }
            return Response(status: HTTPResponse.Status(code: self.answer))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: SimulatorHarness.logger)
        task.withLock { $0 = Task { try await app.run() } }
        var port = 0
        for await bound in ports { port = bound }
        baseURL = "http://127.0.0.1:\(port)"
    }

    /// Stops the server.
    func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        _ = try? await running?.value
    }
}
