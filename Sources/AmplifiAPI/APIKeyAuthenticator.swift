public import AmplifiEngine
import AmplifiHTTP
import AmplifiMessaging
import Foundation
public import Hummingbird
import Logging

/// Authenticates every request under `/api` with `Authorization: Bearer am_live_…`: a missing,
/// unknown, revoked or expired key is 401 `UNAUTHORIZED` (the same answer for all four, so a caller
/// learns nothing about which keys exist); a known key puts its principal on the context and its
/// organization on the request's log lines.
public struct APIKeyAuthenticator: RouterMiddleware {
    public typealias Context = APIRequestContext
    let keys: APIKeyStore

    public init(keys: APIKeyStore) {
        self.keys = keys
    }

    public func handle(
        _ request: Request, context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(
                .unauthorized, code: .unauthorized,
                message: "authentication failed: send your API key as Authorization: Bearer am_live_…")
        }
        let secret = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let principal = try await keys.authenticate(secret: secret) else {
            throw APIError(
                .unauthorized, code: .unauthorized,
                message: "authentication failed: the key is unknown, revoked or expired")
        }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "org_id"] = .id(principal.orgID)
        context.logger[metadataKey: "api_key_id"] = .id(principal.keyID)
        return try await next(request, context)
    }
}
