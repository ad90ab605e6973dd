/// Twilio's error body (`{"code", "message", "more_info", "status"}`), readable by `TwilioErrorResponse`.
struct TwilioErrorJSON: Encodable {
    let code: Int
    let message: String
    let status: Int

    private enum Key: String, CodingKey {
        case code, message, status
        case moreInfo = "more_info"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(code, forKey: .code)
        try c.encode(message, forKey: .message)
        try c.encode("https://www.twilio.com/docs/errors/\(code)", forKey: .moreInfo)
        try c.encode(status, forKey: .status)
    }
}
