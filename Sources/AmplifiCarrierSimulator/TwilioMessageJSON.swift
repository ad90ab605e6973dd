import AmplifiCarriers
import Foundation

/// A message resource in Twilio's wire format (counts as strings, RFC 2822 dates, nulls spelled out),
/// readable by `TwilioMessageResource`.
struct TwilioMessageJSON: Encodable {
    let message: SimulatedMessage
    let accountSID: String

    /// Twilio's keys.
    private enum Key: String, CodingKey {
        case sid, from, to, body, status, direction, uri, price
        case accountSID = "account_sid"
        case apiVersion = "api_version"
        case messagingServiceSID = "messaging_service_sid"
        case numSegments = "num_segments"
        case numMedia = "num_media"
        case priceUnit = "price_unit"
        case errorCode = "error_code"
        case errorMessage = "error_message"
        case dateCreated = "date_created"
        case dateSent = "date_sent"
        case dateUpdated = "date_updated"
        case subresourceURIs = "subresource_uris"
    }

    /// The short descriptions Twilio gives for the codes the simulator reports.
    static func errorMessage(_ code: Int) -> String {
        switch code {
        case 30003: "Unreachable destination handset"
        case 30005: "Unknown destination handset"
        case 30006: "Landline or unreachable carrier"
        case 30008: "Unknown error"
        default: "Error \(code)"
        }
    }

    /// The resource's path: `/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`.
    static func uri(accountSID: String, sid: String) -> String {
        "/2010-04-01/Accounts/\(accountSID)/Messages/\(sid).json"
    }

    /// A price in micros as Twilio writes a charge: `"-0.00750"`.
    static func price(micros: Int64) -> String {
        let whole = micros / 1_000_000
        var fraction = String(micros % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        if fraction.hasSuffix("0") { fraction.removeLast() }
        return "-\(whole).\(fraction)"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        let uri = Self.uri(accountSID: accountSID, sid: message.sid)
        try c.encode(accountSID, forKey: .accountSID)
        try c.encode("2010-04-01", forKey: .apiVersion)
        try c.encode(message.body, forKey: .body)
        try c.encode(RFC2822Date.format(message.createdAt), forKey: .dateCreated)
        try c.encode(message.sentAt.map(RFC2822Date.format), forKey: .dateSent)
        try c.encode(RFC2822Date.format(message.updatedAt), forKey: .dateUpdated)
        try c.encode("outbound-api", forKey: .direction)
        try c.encode(message.errorCode, forKey: .errorCode)
        try c.encode(message.errorCode.map(Self.errorMessage), forKey: .errorMessage)
        try c.encode(message.from, forKey: .from)
        try c.encode(message.messagingServiceSID, forKey: .messagingServiceSID)
        try c.encode(String(message.numMedia), forKey: .numMedia)
        try c.encode(String(message.segments), forKey: .numSegments)
        try c.encode(message.priceMicros.map(Self.price), forKey: .price)
        try c.encode("USD", forKey: .priceUnit)
        try c.encode(message.sid, forKey: .sid)
        try c.encode(message.status.rawValue, forKey: .status)
        try c.encode(
            ["media": String(uri.dropLast(5)) + "/Media.json", "feedback": String(uri.dropLast(5)) + "/Feedback.json"],
            forKey: .subresourceURIs)
        try c.encode(message.to, forKey: .to)
        try c.encode(uri, forKey: .uri)
    }
}
