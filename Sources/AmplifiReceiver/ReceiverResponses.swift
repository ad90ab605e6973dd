import AmplifiHTTP
import AmplifiMessaging
import HTTPTypes
import Hummingbird
import NIOCore

/// The receiver's answers: empty bodies and empty TwiML for Twilio, and the fixed errors it throws
/// for refusals (``APIError``: the platform's error body).
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
    static let missingSignature = APIError(
        .forbidden, code: "SIGNATURE_MISSING",
        message: "X-Twilio-Signature is required: only requests signed by the carrier are read")

    /// 403: the signature does not match.
    static let badSignature = APIError(
        .forbidden, code: "SIGNATURE_INVALID",
        message: "X-Twilio-Signature does not match this request: check that TWILIO_AUTH_TOKEN is the account's "
            + "auth token and that AMPLIFI_PUBLIC_URL is the exact base URL the carrier posts to")

    /// 503 with Retry-After: shutting down or overloaded; the carrier (or backfill) will bring the report again.
    static let unavailable = APIError(
        .serviceUnavailable, code: .unavailable,
        message: "the receiver cannot take this callback now (shutting down or the database is behind); "
            + "backfill-status will recover the status",
        retryAfterSeconds: retryAfterSeconds)

    /// 503 with Retry-After: more webhook requests in flight than the receiver takes (load shed at once).
    static let overloaded = APIError(
        .serviceUnavailable, code: .overloaded,
        message: "the receiver is at its in-flight limit; retry shortly", retryAfterSeconds: retryAfterSeconds)

    /// 422: the database refused this report on its own; it was dropped (the rest of its batch was stored).
    static let unstorable = APIError(
        .unprocessableContent, code: "REPORT_NOT_STORABLE",
        message: "the database refused this status report; it was logged and dropped")

    /// 413: the form body is unreadable or too large.
    static let unreadableBody = APIError(
        .contentTooLarge, code: .validationFailed,
        message: "the form body is unreadable or larger than \(ReceiverRoutes.maxBodyBytes) bytes")

    /// 400: a status callback without a sid or with an unknown status.
    static let malformedStatus = APIError(
        .badRequest, code: .validationFailed, message: "a status callback needs MessageSid and a known MessageStatus")

    /// 400: an inbound message without its sid or numbers.
    static let malformedInbound = APIError(
        .badRequest, code: .validationFailed, message: "an inbound message needs MessageSid, From and To")
}
