public import Hummingbird
import Logging

/// A request context that carries its own request id (a ULID made when the request arrives).
public protocol IdentifiedRequestContext: RequestContext {
    /// This request's id (a ULID, 26 characters).
    var requestID: String { get }
}

/// The request context of the receiver and the admin ports: Hummingbird's core storage plus a
/// ULID request id, put on the context's logger as `request_id` when the request arrives, so every
/// line logged for the request carries it. ``RequestIDMiddleware`` returns it in `X-Request-Id`,
/// ``APIError`` in the error body. (The API's context adds the authenticated key.)
public struct AmplifiRequestContext: IdentifiedRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.requestID = ULID().description
        self.logger[metadataKey: "request_id"] = .string(requestID)
    }
}

extension RequestContext {
    /// The request id to report: an ``IdentifiedRequestContext``'s ULID, else Hummingbird's own id.
    public var reportedRequestID: String {
        (self as? any IdentifiedRequestContext)?.requestID ?? id
    }
}
