import AmplifiMessaging

/// The form body of Twilio's `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (create a message).
public struct TwilioMessageRequest: Hashable, Sendable {
    /// The `Content-Type` of `formBody`.
    public static let contentType = "application/x-www-form-urlencoded"

    /// `To`: the recipient in E.164.
    public var to: String
    /// `From` or `MessagingServiceSid`.
    public var sender: TwilioSender
    /// `Body`.
    public var body: String
    /// `MediaUrl`, repeated once per URL (Twilio takes up to ten).
    public var mediaURLs: [String]
    /// `StatusCallback`.
    public var statusCallback: String?
    /// `ValidityPeriod` in seconds (1…36,000).
    public var validityPeriod: Int?

    /// Creates a request from its fields.
    public init(
        to: String, sender: TwilioSender, body: String, mediaURLs: [String] = [],
        statusCallback: String? = nil, validityPeriod: Int? = nil
    ) {
        self.to = to
        self.sender = sender
        self.body = body
        self.mediaURLs = mediaURLs
        self.statusCallback = statusCallback
        self.validityPeriod = validityPeriod
    }

    /// The request for `message`, sent from its number or, when given, from a Messaging Service.
    public init(_ message: OutboundMessage, messagingServiceSID: String? = nil) {
        self.init(
            to: message.to.e164,
            sender: messagingServiceSID.map(TwilioSender.messagingService) ?? .from(message.from.e164),
            body: message.body,
            mediaURLs: message.mediaURL.map { [$0] } ?? [],
            statusCallback: message.statusCallbackURL,
            validityPeriod: message.validityPeriod)
    }

    /// The form fields in Twilio's names, in a fixed order.
    public var formFields: [(key: String, value: String)] {
        var fields: [(key: String, value: String)] = [("To", to)]
        switch sender {
        case .from(let from): fields.append(("From", from))
        case .messagingService(let sid): fields.append(("MessagingServiceSid", sid))
        }
        fields.append(("Body", body))
        for url in mediaURLs { fields.append(("MediaUrl", url)) }
        if let statusCallback { fields.append(("StatusCallback", statusCallback)) }
        if let validityPeriod { fields.append(("ValidityPeriod", String(validityPeriod))) }
        return fields
    }

    /// The `application/x-www-form-urlencoded` body.
    public var formBody: String { FormURLEncoding.encode(formFields) }

    /// Parses a form body back into a request (what a Twilio-compatible server, e.g. the simulator, does);
    /// nil when `To` or both `From` and `MessagingServiceSid` are missing.
    public init?(formBody: String) {
        var to: String?
        var from: String?
        var service: String?
        var body = ""
        var media: [String] = []
        var callback: String?
        var validity: Int?
        for (key, value) in FormURLEncoding.decode(formBody) {
            switch key {
            case "To": to = value
            case "From": from = value
            case "MessagingServiceSid": service = value
            case "Body": body = value
            case "MediaUrl": media.append(value)
            case "StatusCallback": callback = value
            case "ValidityPeriod": validity = Int(value)
            default: break
            }
        }
        guard let to else { return nil }
        let sender: TwilioSender
        if let from {
            sender = .from(from)
        } else if let service {
            sender = .messagingService(service)
        } else {
            return nil
        }
        self.init(
            to: to, sender: sender, body: body, mediaURLs: media, statusCallback: callback,
            validityPeriod: validity)
    }
}
