import AmplifiObservability
public import HTTPTypes
public import Hummingbird
import Logging

/// Returns the request's id (``AmplifiRequestContext/requestID``) in the `X-Request-Id` header of
/// every response, errors included: an ``APIError`` is turned into its response here so the header
/// and the body's `request_id` agree. Everything the request runs, engine code included, logs with
/// its `request_id` (``TaskLogMetadata``), not only the lines written through `context.logger`.
public struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let requestID = context.reportedRequestID
        do {
            var response = try await TaskLogMetadata.withValue(["request_id": .string(requestID)]) {
                try await next(request, context)
            }
            response.headers[.requestID] = requestID
            return response
        } catch let error as APIError {
            return error.response(requestID: requestID)
        }
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`.
    public static let requestID = HTTPField.Name("X-Request-Id")!
}
