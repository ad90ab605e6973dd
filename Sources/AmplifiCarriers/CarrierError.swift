/// A classified carrier error: Twilio's code (or our transport code), its class in the design's
/// table, and what the send pipeline must do about it.
///
/// `description` never contains a phone number or a message body (the carrier's own error text
/// often does, so it is not kept).
public struct CarrierError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Twilio's numeric code as a string (`"21211"`), or ours: `"http_429"`, `"http_503"`, `"timeout"`,
    /// `"connection_failed"`.
    public let code: String
    /// The HTTP status of the refused request, when there was one.
    public let httpStatus: Int?
    /// The status the carrier reported with the error; nil when the request itself was refused
    /// (the message never existed at the carrier).
    public let carrierStatus: DeliveryStatus?
    /// How long the carrier asked us to wait (`Retry-After`), when it did.
    public let retryAfter: Duration?
    /// Twilio's documentation link for the code, when given.
    public let moreInfo: String?
    /// The table row the code falls in.
    public let row: CarrierErrorTable.Row

    /// Classifies `code` (with `httpStatus` as the fallback for codes the table lacks).
    public init(
        code: String, httpStatus: Int? = nil, carrierStatus: DeliveryStatus? = nil,
        retryAfter: Duration? = nil, moreInfo: String? = nil
    ) {
        self.code = code
        self.httpStatus = httpStatus
        self.carrierStatus = carrierStatus
        self.retryAfter = retryAfter
        self.moreInfo = moreInfo
        self.row = CarrierErrorTable.row(for: code, httpStatus: httpStatus)
    }

    /// A Twilio error code, e.g. `21211` from an error response or a message's `error_code`.
    public init(
        twilioCode: Int, httpStatus: Int? = nil, carrierStatus: DeliveryStatus? = nil,
        retryAfter: Duration? = nil, moreInfo: String? = nil
    ) {
        self.init(
            code: String(twilioCode), httpStatus: httpStatus, carrierStatus: carrierStatus,
            retryAfter: retryAfter, moreInfo: moreInfo)
    }

    /// An HTTP failure without a Twilio code, e.g. a 429 or a 502 from a proxy: code `http_<status>`.
    public static func http(status: Int, retryAfter: Duration? = nil) -> CarrierError {
        CarrierError(code: "http_\(status)", httpStatus: status, retryAfter: retryAfter)
    }

    /// The request timed out: not processed as far as we know, retry it.
    public static let timeout = CarrierError(code: "timeout")

    /// The connection failed before a response: retry it.
    public static let connectionFailed = CarrierError(code: "connection_failed")

    /// The class of the code in the design's table.
    public var errorClass: CarrierErrorClass { row.errorClass }

    /// What the pipeline does; `retryBatchLater` carries this error's `retryAfter`.
    public var disposition: CarrierErrorDisposition {
        if case .retryBatchLater = row.disposition { return .retryBatchLater(retryAfter: retryAfter) }
        return row.disposition
    }

    /// Whether Twilio bills the message: only when it reached `sent`, `delivered` or `undelivered`,
    /// never when it `failed` or the request was refused. Credit refunds follow the same rule.
    public var isCharged: Bool { carrierStatus?.isCharged ?? false }

    /// Whether the sender number should also be slowed down (its queue at the carrier is full).
    public var slowsSender: Bool { row.errorClass == .senderQueueFull }

    /// What happened and what happens next, for a person.
    public var message: String { row.message }

    /// `carrier error CODE (class): message`.
    public var description: String { "carrier error \(code) (\(row.errorClass.rawValue)): \(message)" }
}
