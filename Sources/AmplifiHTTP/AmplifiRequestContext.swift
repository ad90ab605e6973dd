public import Hummingbird
public import Logging

/// The request context of every HTTP role (receiver, API, admin ports): Hummingbird's core storage
/// plus a ULID request id, put on the context's logger as `request_id` when the request arrives, so
/// every line logged for the request carries it. ``RequestIDMiddleware`` returns it in
/// `X-Request-Id`, ``APIError`` in the error body.
public struct AmplifiRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// This request's id (a ULID, 26 characters).
    public let requestID: String

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.requestID = ULID().description
        self.logger[metadataKey: "request_id"] = .string(requestID)
    }
}

extension RequestContext {
    /// The request id to report: an ``AmplifiRequestContext``'s ULID, else Hummingbird's own id.
    public var reportedRequestID: String {
        (self as? AmplifiRequestContext)?.requestID ?? id
    }
}
