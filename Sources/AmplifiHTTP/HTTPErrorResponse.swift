public import Foundation
public import HTTPTypes
public import Hummingbird
import NIOCore

/// The platform's error body, `{"success": false, "error": {"code", "message", "request_id"}}`:
/// a stable code and a fixed message written by us, never an underlying error's text.
public enum HTTPErrorResponse {
    /// An error response with a stable `code` and a fixed `message` saying what to do; with
    /// `retryAfterSeconds`, a `Retry-After` header too (503 and 429).
    public static func make(
        _ status: HTTPResponse.Status, code: String, message: String, retryAfterSeconds: Int? = nil
    ) -> Response {
        let body: [String: Any] = [
            "success": false,
            "error": ["code": code, "message": message, "request_id": UUID().uuidString.lowercased()],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfterSeconds { headers[.retryAfter] = "\(max(0, retryAfterSeconds))" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A plain-text 200 with a fixed `text` (health endpoints).
    public static func plain(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
