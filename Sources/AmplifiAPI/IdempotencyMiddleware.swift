public import AmplifiEngine
import AmplifiHTTP
public import AmplifiMessaging
import Crypto
import Foundation
public import HTTPTypes
public import Hummingbird
import NIOCore

/// `Idempotency-Key` on POST: the same key and request within 24 hours gets the first response
/// (with `Idempotent-Replayed: true`) and creates nothing new; the same key with another method,
/// path or body is 422 `IDEMPOTENCY_KEY_REUSED`; a retry that arrives while the first request is
/// still being handled waits for its answer (up to `wait`, then 409 `CONFLICT`). Only answers below
/// 500 are kept; a request that failed gives its key back so a retry runs again.
public struct IdempotencyMiddleware: RouterMiddleware {
    public typealias Context = APIRequestContext
    /// The header.
    public static let header = HTTPField.Name("Idempotency-Key")!
    /// Set on a replayed response.
    public static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!

    let store: IdempotencyStore
    let maxBodyBytes: Int
    let wait: Duration

    public init(store: IdempotencyStore, maxBodyBytes: Int = 256 * 1024, wait: Duration = .seconds(10)) {
        self.store = store
        self.maxBodyBytes = maxBodyBytes
        self.wait = wait
    }

    public func handle(
        _ request: Request, context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard request.method == .post, let key = request.headers[Self.header] else {
            return try await next(request, context)
        }
        guard (1...255).contains(key.utf8.count), let principal = context.principal else {
            throw APIError(
                .badRequest, code: .validationFailed, message: "validation failed",
                details: ["Idempotency-Key": "must be 1 to 255 characters"])
        }
        let body = try await request.body.collect(upTo: maxBodyBytes)
        var request = request
        request.body = RequestBody(buffer: body)
        var hasher = SHA256()
        hasher.update(data: Array("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        hasher.update(data: Array(body.readableBytesView))
        let fingerprint = Array(hasher.finalize())

        let deadline = ContinuousClock.now + wait
        while true {
            switch try await store.begin(orgID: principal.orgID, key: key, fingerprint: fingerprint) {
            case .claimed:
                return try await runAndRecord(request, context: context, orgID: principal.orgID, key: key, next: next)
            case .replay(let status, let body):
                var headers: HTTPFields = [.contentType: "application/json"]
                headers[Self.replayedHeader] = "true"
                return Response(
                    status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
            case .mismatch:
                throw APIError(
                    .unprocessableContent, code: .idempotencyKeyReused,
                    message: "this Idempotency-Key was used for a different request; use a new key for a new request")
            case .inProgress:
                guard ContinuousClock.now < deadline else {
                    throw APIError(
                        .conflict, code: .conflict,
                        message: "the first request with this Idempotency-Key is still being handled; retry later")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Runs the claimed request and keeps its response (or gives the key back when it failed).
    private func runAndRecord(
        _ request: Request, context: APIRequestContext, orgID: UUID, key: String,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            try? await store.abandon(orgID: orgID, key: key)
            throw error
        }
        guard response.status.code < 500 else {
            try? await store.abandon(orgID: orgID, key: key)
            return response
        }
        let collector = BodyCollector()
        try await response.body.write(collector)
        let bytes = Array(collector.buffer.readableBytesView)
        try await store.finish(orgID: orgID, key: key, status: response.status.code, body: bytes)
        var replayable = response
        replayable.body = .init(byteBuffer: collector.buffer)
        return replayable
    }
}

/// Collects a response body in memory (API responses are small JSON documents).
final class BodyCollector: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

extension AmplifiErrorCode {
    /// An `Idempotency-Key` sent again with a different request.
    public static let idempotencyKeyReused: Self = "IDEMPOTENCY_KEY_REUSED"
}
