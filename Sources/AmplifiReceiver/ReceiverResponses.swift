import AmplifiHTTP
import HTTPTypes
import Hummingbird
import NIOCore

/// The receiver's response bodies: empty TwiML for Twilio, and the platform's fixed error bodies
/// (`HTTPErrorResponse`) for refusals.
enum ReceiverResponses {
    /// 200 with an empty body: Twilio needs nothing back for a status callback.
    static let accepted = Response(status: .ok)

    /// Seconds a shed or refused carrier is asked to wait before posting again.
    static let retryAfterSeconds = 1

    /// 200 with empty TwiML: Twilio sends no reply of its own (auto-replies go out through the API).
    static var emptyTwiML: Response {
        Response(
            status: .ok, headers: [.contentType: "text/xml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: #"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#))
        )
    }

    /// 403: no `X-Twilio-Signature` header (answered before the body is read).
    static var missingSignature: Response {
        HTTPErrorResponse.make(
            .forbidden, code: "SIGNATURE_MISSING",
            message: "X-Twilio-Signature is required: only requests signed by the carrier are read")
    }

    /// 403: the signature does not match.
    static var badSignature: Response {
        HTTPErrorResponse.make(
            .forbidden, code: "SIGNATURE_INVALID",
            message: "X-Twilio-Signature does not match this request: check that TWILIO_AUTH_TOKEN is the account's "
                + "auth token and that AMPLIFI_PUBLIC_URL is the exact base URL the carrier posts to")
    }

    /// 503 with Retry-After: shutting down or overloaded; the carrier (or backfill) will bring the report again.
    static var unavailable: Response {
        HTTPErrorResponse.make(
            .serviceUnavailable, code: "UNAVAILABLE",
            message: "the receiver cannot take this callback now (shutting down or the database is behind); "
                + "backfill-status will recover the status",
            retryAfterSeconds: retryAfterSeconds)
    }

    /// 503 with Retry-After: more webhook requests in flight than the receiver takes (load shed at once).
    static var overloaded: Response {
        HTTPErrorResponse.make(
            .serviceUnavailable, code: "OVERLOADED",
            message: "the receiver is at its in-flight limit; retry shortly", retryAfterSeconds: retryAfterSeconds)
    }

    /// 422: the database refused this report on its own; it was dropped (the rest of its batch was stored).
    static var unstorable: Response {
        HTTPErrorResponse.make(
            .unprocessableContent, code: "REPORT_NOT_STORABLE",
            message: "the database refused this status report; it was logged and dropped")
    }

    /// A 400 / 404 / 413 with a stable code and a fixed message.
    static func error(_ status: HTTPResponse.Status, code: String, message: String) -> Response {
        HTTPErrorResponse.make(status, code: code, message: message)
    }
}
