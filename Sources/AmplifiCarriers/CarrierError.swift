/// A classified carrier error: Twilio's code (or our transport code), its class in the carrier error
/// table, and what the send pipeline must do about it.
///
/// `description` never contains a phone number or a message body (the carrier's own error text
/// often does, so it is not kept).
public struct CarrierError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Twilio's numeric code as a string (`"21211"`), or ours: `"http_429"`, `"http_503"`; a request that
    /// never left: `"connect_failed"`, `"connect_timeout"`, `"pool_timeout"`,
    /// `"concurrency_budget_timeout"` (and `"timeout"`,
    /// `"connection_failed"` for status requests); a create that may exist: `"response_timeout"`,
    /// `"connection_lost"`, `"invalid_response"`.
    public let code: String
    /// The HTTP status of the refused request, when there was one.
    public let httpStatus: Int?
    /// The status the carrier reported with the error; nil when the request itself was refused
    /// (the message never existed at the carrier).
    public let carrierStatus: DeliveryStatus?
    /// How long the carrier asked us to wait (`Retry-After`), when it did; never negative and never
    /// more than `maxRetryAfter`.
    public let retryAfter: Duration?
    /// Twilio's documentation link for the code, when given.
    public let moreInfo: String?
    /// The account's concurrent requests the carrier reported with a 429 (Twilio's
    /// `Twilio-Concurrent-Requests` header), when it did: the refusal is the account's
    /// concurrent-request limit, not some other rate limit.
    public let concurrentRequests: Int?
    /// The table row the code falls in.
    public let row: CarrierErrorTable.Row

    /// Classifies `code` (with `httpStatus` as the fallback for codes the table lacks).
    public init(
        code: String, httpStatus: Int? = nil, carrierStatus: DeliveryStatus? = nil,
        retryAfter: Duration? = nil, moreInfo: String? = nil, concurrentRequests: Int? = nil
    ) {
        self.code = code
        self.httpStatus = httpStatus
        self.carrierStatus = carrierStatus
        self.retryAfter = retryAfter.map(Self.capped)
        self.moreInfo = moreInfo
        self.concurrentRequests = concurrentRequests
        self.row = CarrierErrorTable.row(for: code, httpStatus: httpStatus)
    }

    /// A Twilio error code, e.g. `21211` from an error response or a message's `error_code`.
    public init(
        twilioCode: Int, httpStatus: Int? = nil, carrierStatus: DeliveryStatus? = nil,
        retryAfter: Duration? = nil, moreInfo: String? = nil, concurrentRequests: Int? = nil
    ) {
        self.init(
            code: String(twilioCode), httpStatus: httpStatus, carrierStatus: carrierStatus,
            retryAfter: retryAfter, moreInfo: moreInfo, concurrentRequests: concurrentRequests)
    }

    /// An HTTP failure without a Twilio code, e.g. a 429 or a 502 from a proxy: code `http_<status>`.
    public static func http(status: Int, retryAfter: Duration? = nil, concurrentRequests: Int? = nil) -> CarrierError {
        CarrierError(
            code: "http_\(status)", httpStatus: status, retryAfter: retryAfter, concurrentRequests: concurrentRequests)
    }

    /// The longest wait a carrier's `Retry-After` can impose (10 minutes): a larger value is capped,
    /// so one odd header cannot stall a sender number for hours.
    public static let maxRetryAfter: Duration = .seconds(600)

    /// `duration` clamped to `0...maxRetryAfter`.
    public static func capped(_ duration: Duration) -> Duration {
        min(max(duration, .zero), maxRetryAfter)
    }

    /// A status request (GET) timed out: retry it (reading is idempotent).
    public static let timeout = CarrierError(code: "timeout")

    /// A status request (GET) failed on the connection: retry it (reading is idempotent).
    public static let connectionFailed = CarrierError(code: "connection_failed")

    /// The connection could not be opened (refused, TLS failed, …) before the request was written:
    /// the message does not exist, retry it.
    public static let connectFailed = CarrierError(code: "connect_failed")

    /// Opening the connection took longer than the connect timeout (or the deadline passed while
    /// connecting): the request was never written, retry it.
    public static let connectTimeout = CarrierError(code: "connect_timeout")

    /// No pooled connection became free before the deadline: the request was never written, retry it.
    public static let poolTimeout = CarrierError(code: "pool_timeout")

    /// No permit of the carrier account's concurrency budget became free within the bounded wait (or
    /// the wait was cancelled): the request was never sent, retry it.
    public static let concurrencyBudgetTimeout = CarrierError(code: "concurrency_budget_timeout")

    /// The request was written but no (whole) answer came before the deadline: the message may exist.
    public static let responseTimeout = CarrierError(code: "response_timeout")

    /// The connection closed or reset after the request was written and before the whole answer was
    /// read: the message may exist.
    public static let connectionLost = CarrierError(code: "connection_lost")

    /// The carrier answered (`httpStatus`, a 2xx, when read) with a body that is not a message or too
    /// large to read: the message may exist.
    public static func invalidResponse(httpStatus: Int? = nil) -> CarrierError {
        CarrierError(code: "invalid_response", httpStatus: httpStatus)
    }

    /// The class of the code in the carrier error table.
    public var errorClass: CarrierErrorClass { row.errorClass }

    /// What the pipeline does; `retryBatchLater` carries this error's `retryAfter`.
    public var disposition: CarrierErrorDisposition {
        if case .retryBatchLater = row.disposition { return .retryBatchLater(retryAfter: retryAfter) }
        return row.disposition
    }

    /// Whether Twilio bills the message: only when it reached `sent`, `delivered` or `undelivered`,
    /// never when it `failed` or the request was refused. Credit refunds follow the same rule, except
    /// for an ambiguous outcome (`isAmbiguous`): false here, but its debit is kept until it is settled.
    public var isCharged: Bool { carrierStatus?.isCharged ?? false }

    /// Whether the message may exist at the carrier although the request failed (`settleLater`).
    public var isAmbiguous: Bool { row.errorClass == .ambiguous }

    /// Whether the carrier refused the request as too many (HTTP 429, or Twilio's 20429 "Too Many
    /// Requests", which also covers the account's concurrent-request limit): nothing was created.
    public var isTooManyRequests: Bool { httpStatus == 429 || code == "20429" || code == "http_429" }

    /// Whether the carrier said the refusal is the account's concurrent-request limit (a 429 with
    /// `Twilio-Concurrent-Requests`).
    public var isConcurrencyLimit: Bool { isTooManyRequests && concurrentRequests != nil }

    /// Whether the sender number should also be slowed down (its queue at the carrier is full).
    public var slowsSender: Bool { row.errorClass == .senderQueueFull }

    /// What happened and what happens next, for a person.
    public var message: String { row.message }

    /// `carrier error CODE (class): message`.
    public var description: String { "carrier error \(code) (\(row.errorClass.rawValue)): \(message)" }
}
