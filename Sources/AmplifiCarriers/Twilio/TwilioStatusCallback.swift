/// The form fields Twilio posts to a message's `StatusCallback` URL, as a status report.
public enum TwilioStatusCallback {
    /// The report in a callback's fields (`MessageSid`/`SmsSid`, `MessageStatus`/`SmsStatus`,
    /// `ErrorCode`); nil when the sid or a known status is missing.
    public static func report(fields: [(key: String, value: String)]) -> CarrierStatusReport? {
        var sid: String?
        var status: DeliveryStatus?
        var errorCode: Int?
        for (key, value) in fields {
            switch key {
            case "MessageSid": sid = value
            case "SmsSid": sid = sid ?? value
            case "MessageStatus": status = DeliveryStatus(rawValue: value)
            case "SmsStatus": status = status ?? DeliveryStatus(rawValue: value)
            case "ErrorCode": errorCode = Int(value)
            default: break
            }
        }
        guard let sid, let status else { return nil }
        return CarrierStatusReport(
            providerMessageID: sid, status: status,
            error: errorCode.map { CarrierError(twilioCode: $0, carrierStatus: status) })
    }
}
