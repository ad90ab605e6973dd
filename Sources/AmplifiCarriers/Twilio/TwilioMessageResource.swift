public import Foundation

/// Twilio's Message resource (`api.v2010.account.message`) as returned by create, fetch and list.
///
/// Counts arrive as strings (`"num_segments": "1"`), prices as negative decimal strings or null,
/// dates in RFC 2822, `error_code` as an integer or null. Encoding writes the same wire format (the
/// carrier simulator answers with it).
public struct TwilioMessageResource: Hashable, Sendable, Codable {
    /// `sid`: `SM…` or `MM…`.
    public var sid: String
    /// `account_sid`.
    public var accountSID: String?
    /// `messaging_service_sid`.
    public var messagingServiceSID: String?
    /// `from` (null when a Messaging Service has not picked a sender yet).
    public var from: String?
    /// `to`.
    public var to: String?
    /// `body`.
    public var body: String?
    /// `status`.
    public var status: DeliveryStatus
    /// `direction` (`outbound-api`, `inbound`, …).
    public var direction: String?
    /// `num_segments` (0 for a Messaging Service message until a sender is assigned).
    public var numSegments: Int?
    /// `num_media`.
    public var numMedia: Int?
    /// `price` as billed micros (positive when billed), see `TwilioPrice`.
    public var priceMicros: Int64?
    /// `price_unit` (e.g. `USD`).
    public var priceUnit: String?
    /// `error_code`.
    public var errorCode: Int?
    /// `error_message` (may name the recipient: never log it).
    public var errorMessage: String?
    /// `date_created`.
    public var dateCreated: Date?
    /// `date_sent`.
    public var dateSent: Date?
    /// `date_updated`.
    public var dateUpdated: Date?
    /// `uri`.
    public var uri: String?

    /// Twilio's JSON keys.
    private enum CodingKeys: String, CodingKey {
        case sid, from, to, body, status, direction, uri
        case apiVersion = "api_version"
        case subresourceURIs = "subresource_uris"
        case accountSID = "account_sid"
        case messagingServiceSID = "messaging_service_sid"
        case numSegments = "num_segments"
        case numMedia = "num_media"
        case price
        case priceUnit = "price_unit"
        case errorCode = "error_code"
        case errorMessage = "error_message"
        case dateCreated = "date_created"
        case dateSent = "date_sent"
        case dateUpdated = "date_updated"
    }

    /// A resource from its parts (every field but `sid` and `status` optional).
    public init(
        sid: String, status: DeliveryStatus, accountSID: String? = nil, messagingServiceSID: String? = nil,
        from: String? = nil, to: String? = nil, body: String? = nil, direction: String? = nil,
        numSegments: Int? = nil, numMedia: Int? = nil, priceMicros: Int64? = nil, priceUnit: String? = nil,
        errorCode: Int? = nil, errorMessage: String? = nil, dateCreated: Date? = nil, dateSent: Date? = nil,
        dateUpdated: Date? = nil, uri: String? = nil
    ) {
        self.sid = sid
        self.status = status
        self.accountSID = accountSID
        self.messagingServiceSID = messagingServiceSID
        self.from = from
        self.to = to
        self.body = body
        self.direction = direction
        self.numSegments = numSegments
        self.numMedia = numMedia
        self.priceMicros = priceMicros
        self.priceUnit = priceUnit
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.dateCreated = dateCreated
        self.dateSent = dateSent
        self.dateUpdated = dateUpdated
        self.uri = uri
    }

    /// Encodes Twilio's wire format: counts as strings, prices as negative decimal strings, RFC 2822
    /// dates, nulls spelled out, plus `api_version` and the `subresource_uris` derived from `uri`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sid, forKey: .sid)
        try c.encode(accountSID, forKey: .accountSID)
        try c.encode("2010-04-01", forKey: .apiVersion)
        try c.encode(messagingServiceSID, forKey: .messagingServiceSID)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(body, forKey: .body)
        try c.encode(status, forKey: .status)
        try c.encode(direction, forKey: .direction)
        try c.encode(numSegments.map(String.init), forKey: .numSegments)
        try c.encode(numMedia.map(String.init), forKey: .numMedia)
        try c.encode(priceMicros.map(TwilioPrice.text(billedMicros:)), forKey: .price)
        try c.encode(priceUnit, forKey: .priceUnit)
        try c.encode(errorCode, forKey: .errorCode)
        try c.encode(errorMessage, forKey: .errorMessage)
        try c.encode(dateCreated.map(RFC2822Date.format), forKey: .dateCreated)
        try c.encode(dateSent.map(RFC2822Date.format), forKey: .dateSent)
        try c.encode(dateUpdated.map(RFC2822Date.format), forKey: .dateUpdated)
        try c.encode(uri, forKey: .uri)
        if let uri, uri.hasSuffix(".json") {
            let base = String(uri.dropLast(5))
            try c.encode(
                ["media": base + "/Media.json", "feedback": base + "/Feedback.json"], forKey: .subresourceURIs)
        }
    }

    /// Decodes Twilio's JSON, accepting numbers for the count fields as well as strings.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sid = try c.decode(String.self, forKey: .sid)
        accountSID = try c.decodeIfPresent(String.self, forKey: .accountSID)
        messagingServiceSID = try c.decodeIfPresent(String.self, forKey: .messagingServiceSID)
        from = try c.decodeIfPresent(String.self, forKey: .from)
        to = try c.decodeIfPresent(String.self, forKey: .to)
        body = try c.decodeIfPresent(String.self, forKey: .body)
        status = try c.decode(DeliveryStatus.self, forKey: .status)
        direction = try c.decodeIfPresent(String.self, forKey: .direction)
        uri = try c.decodeIfPresent(String.self, forKey: .uri)
        numSegments = try Self.lossyInt(c, .numSegments)
        numMedia = try Self.lossyInt(c, .numMedia)
        if let price = try c.decodeIfPresent(String.self, forKey: .price) {
            guard let micros = TwilioPrice.billedMicros(price) else {
                throw DecodingError.dataCorruptedError(forKey: .price, in: c, debugDescription: "not a decimal price")
            }
            priceMicros = micros
        }
        priceUnit = try c.decodeIfPresent(String.self, forKey: .priceUnit)
        errorCode = try Self.lossyInt(c, .errorCode)
        errorMessage = try c.decodeIfPresent(String.self, forKey: .errorMessage)
        dateCreated = try Self.date(c, .dateCreated)
        dateSent = try Self.date(c, .dateSent)
        dateUpdated = try Self.date(c, .dateUpdated)
    }

    /// Decodes an integer sent as a JSON string (Twilio's way) or number; null or absent is nil.
    private static func lossyInt(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int? {
        guard c.contains(key), try !c.decodeNil(forKey: key) else { return nil }
        if let number = try? c.decode(Int.self, forKey: key) { return number }
        let text = try c.decode(String.self, forKey: key)
        guard let number = Int(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not an integer")
        }
        return number
    }

    /// Decodes an RFC 2822 date string; null or absent is nil.
    private static func date(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Date? {
        guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let date = RFC2822Date.parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not an RFC 2822 date")
        }
        return date
    }

    /// Decodes one resource from a JSON response body.
    public static func decode(json: Data) throws -> TwilioMessageResource {
        try JSONDecoder().decode(TwilioMessageResource.self, from: json)
    }

    /// The classified error when Twilio reported a code (with this status, which decides the charge).
    public var error: CarrierError? {
        errorCode.map { CarrierError(twilioCode: $0, carrierStatus: status) }
    }

    /// The create response as a send result: accepted, or failed when Twilio already failed it.
    public var sendResult: SendResult {
        if status == .failed || status == .undelivered || status == .canceled {
            // Without a code the row still failed: keep the status as the code (an unknown class).
            return .failed(error ?? CarrierError(code: "status_\(status.rawValue)", carrierStatus: status))
        }
        return .accepted(providerMessageID: sid, status: status, segments: numSegments ?? 1, priceMicros: priceMicros)
    }

    /// The resource as a status report (for backfill).
    public var statusReport: CarrierStatusReport {
        CarrierStatusReport(
            providerMessageID: sid, status: status, error: error, segments: numSegments,
            priceMicros: priceMicros, updatedAt: dateUpdated ?? dateSent ?? dateCreated)
    }
}
