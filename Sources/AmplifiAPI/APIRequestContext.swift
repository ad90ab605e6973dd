public import AmplifiEngine
public import AmplifiHTTP
import AmplifiMessaging
public import Foundation
public import Hummingbird
import Logging

/// The request context of `amplifi api`: a ULID request id (on every log line of the request, in
/// `X-Request-Id` and in error bodies) and, once ``APIKeyAuthenticator`` has run, the key the
/// request authenticated with.
public struct APIRequestContext: IdentifiedRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String
    /// The authenticated key; nil before authentication (and on the health routes).
    public var principal: APIPrincipal?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.requestID = ULID().description
        self.logger[metadataKey: "request_id"] = .string(requestID)
    }

    /// The `{id}` path parameter as a UUID; 404 naming `what` ("campaign") when it is not one.
    public func pathID(naming what: String) throws -> UUID {
        guard let text = parameters.get("id"), let id = UUID(uuidString: text) else {
            throw APIError(.notFound, code: .notFound, message: "no such \(what): the id is not a UUID")
        }
        return id
    }

    /// The key's principal when it grants `scope`; 401 without a key, 403 without the scope.
    public func require(_ scope: APIScope) throws -> APIPrincipal {
        guard let principal else {
            throw APIError(.unauthorized, code: .unauthorized, message: "authentication failed")
        }
        guard principal.scopes.contains(scope) else {
            throw APIError(
                .forbidden, code: .forbidden,
                message: "missing required scope: this request needs an API key with \(scope.rawValue)")
        }
        return principal
    }
}
