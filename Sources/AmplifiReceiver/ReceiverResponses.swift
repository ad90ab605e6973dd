import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The receiver's response bodies: empty TwiML for Twilio, and the platform's error body
/// (`{"success": false, "error": {"code", "message", "request_id"}}`) for refusals.
enum ReceiverResponses {
    /// 200 with an empty body: Twilio needs nothing back for a status callback.
    static let accepted = Response(status: .ok)

    /// 200 with empty TwiML: Twilio sends no reply of its own (auto-replies go out through the API).
    static var emptyTwiML: Response {
        Response(
            status: .ok, headers: [.contentType: "text/xml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: #"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#)))
    }

    /// An error response with a stable `code` and a `message` saying what to do.
    static func error(_ status: HTTPResponse.Status, code: String, message: String) -> Response {
        let body: [String: Any] = [
            "success": false,
            "error": ["code": code, "message": message, "request_id": UUID().uuidString.lowercased()],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// 403: the signature does not match.
    static let badSignature = error(
        .forbidden, code: "SIGNATURE_INVALID",
        message: "X-Twilio-Signature does not match this request: check that TWILIO_AUTH_TOKEN is the account's "
            + "auth token and that AMPLIFI_PUBLIC_URL is the exact base URL the carrier posts to")

    /// 503: shutting down or overloaded; the carrier (or backfill) will bring the report again.
    static let unavailable = error(
        .serviceUnavailable, code: "UNAVAILABLE",
        message: "the receiver cannot take this callback now (shutting down or the database is behind); "
            + "backfill-status will recover the status")
}
