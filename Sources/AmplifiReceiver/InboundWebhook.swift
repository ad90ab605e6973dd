import AmplifiEngine
import AmplifiMessaging

/// Twilio's inbound-message webhook fields (`MessageSid`, `From`, `To`, `Body`, `NumMedia`,
/// `MediaUrl0…`) as an `InboundMessage`.
enum InboundWebhook {
    /// The message in `fields`; nil when the sid, sender or recipient is missing.
    static func message(fields: [(key: String, value: String)]) -> InboundMessage? {
        var sid: String?
        var from: String?
        var to: String?
        var body = ""
        var media: [(Int, String)] = []
        for (key, value) in fields {
            switch key {
            case "MessageSid": sid = value
            case "SmsMessageSid", "SmsSid": sid = sid ?? value
            case "From": from = value
            case "To": to = value
            case "Body": body = value
            default:
                if key.hasPrefix("MediaUrl"), let index = Int(key.dropFirst("MediaUrl".count)) {
                    media.append((index, value))
                }
            }
        }
        guard let sid, !sid.isEmpty, let from, !from.isEmpty, let to, !to.isEmpty else { return nil }
        return InboundMessage(
            providerMessageID: sid, from: from, to: to, body: body,
            mediaURLs: media.sorted { $0.0 < $1.0 }.map(\.1))
    }
}

extension InboundWebhook {
    /// The metrics kind of a handled message.
    static func kind(of outcome: InboundOutcome) -> ReceiverMetrics.InboundKind {
        guard outcome.stored else { return .duplicate }
        switch outcome.keyword {
        case .optOut: return .optOut
        case .optIn: return .optIn
        case .help: return .help
        case .reply: return .reply
        }
    }

    /// The metrics outcome of an auto-reply.
    static func metricOutcome(_ reply: AutoReplyOutcome) -> String {
        if reply.errorCode == AmplifiErrorCode.insufficientCredits.rawValue { return "insufficient_credits" }
        return reply.status == .sent ? "sent" : "failed"
    }
}
