public import AmplifiEngine
import AmplifiHTTP
import AmplifiMessaging
public import AmplifiRedis
import Foundation
public import Hummingbird
import Logging

/// Each API key may make `perSecond` requests a second across every API replica (a counter per key
/// and second in Redis: one script call per request). Past it: 429 `RATE_LIMITED` with
/// `Retry-After: 1`. When Redis does not answer the request is let through (and logged): the limit
/// protects the service, it must not take it down.
public struct KeyRateLimit: RouterMiddleware {
    public typealias Context = APIRequestContext

    /// INCR the second's counter; the first request of the second sets it to expire.
    static let script = RedisScript(
        """
        local count = redis.call('INCR', KEYS[1])
        if count == 1 then redis.call('PEXPIRE', KEYS[1], 2000) end
        return count
        """)

    let redis: RedisClient
    let keys: QueueKeys
    let perSecond: Int

    public init(redis: RedisClient, keys: QueueKeys, perSecond: Int) {
        self.redis = redis
        self.keys = keys
        self.perSecond = perSecond
    }

    public func handle(
        _ request: Request, context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let principal = context.principal else { return try await next(request, context) }
        let second = Int(Date().timeIntervalSince1970)
        do {
            let count =
                try await redis.evalScript(
                    Self.script, keys: [.init(keys.apiKeyRate(keyID: principal.keyID, second: second))]
                ).int ?? 0
            if count > perSecond {
                throw APIError(
                    .tooManyRequests, code: .rateLimited,
                    message:
                        "more than \(perSecond) requests a second with this API key; retry after Retry-After seconds",
                    retryAfterSeconds: 1)
            }
        } catch let error as APIError {
            throw error
        } catch {
            context.logger.warning("rate limit not checked: Redis did not answer", metadata: ["error": "\(error)"])
        }
        return try await next(request, context)
    }
}
