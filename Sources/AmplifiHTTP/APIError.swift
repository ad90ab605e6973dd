public import AmplifiMessaging
import Foundation
public import HTTPTypes
public import Hummingbird
import NIOCore

/// An error a route throws to answer with the platform's error body:
/// `{"success": false, "error": {"code", "message", "request_id", "details"?}}`.
///
/// The code is stable (``AmplifiErrorCode``), the message is written by us for a person and never
/// quotes an underlying error (a libpq message can hold the connection string), and `request_id`
/// is the one of the request's logs and `X-Request-Id` header.
public struct APIError: HTTPResponseError, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var code: AmplifiErrorCode
    public var message: String
    /// Field → problem, for `VALIDATION_FAILED`.
    public var details: [String: String]?
    /// Sent as `Retry-After` (429 and 503).
    public var retryAfterSeconds: Int?

    public init(
        _ status: HTTPResponse.Status, code: AmplifiErrorCode, message: String, details: [String: String]? = nil,
        retryAfterSeconds: Int? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The error body, as JSON, with the request's id.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response(requestID: context.reportedRequestID)
    }

    /// The response for a request whose id is `requestID`.
    public func response(requestID: String) -> Response {
        let body = Body(
            error: .init(code: code.rawValue, message: message, requestID: requestID, details: details))
        let data = (try? Self.encoder.encode(body)) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json", .requestID: requestID]
        if let retryAfterSeconds { headers[.retryAfter] = "\(max(0, retryAfterSeconds))" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// The body's shape.
    struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var requestID: String
            var details: [String: String]?

            enum CodingKeys: String, CodingKey {
                case code, message, details
                case requestID = "request_id"
            }
        }
        var success = false
        var error: Detail
    }
}

extension AmplifiErrorCode {
    /// No valid credentials (a missing, unknown or revoked key).
    public static let unauthorized: Self = "UNAUTHORIZED"
    /// Too many requests; `Retry-After` says when to come back.
    public static let rateLimited: Self = "RATE_LIMITED"
    /// A dependency did not answer the last readiness probe.
    public static let notReady: Self = "NOT_READY"
    /// The server cannot take the request now (shutting down, or the database is behind).
    public static let unavailable: Self = "UNAVAILABLE"
    /// More requests in flight than the server takes; shed at once.
    public static let overloaded: Self = "OVERLOADED"
}
