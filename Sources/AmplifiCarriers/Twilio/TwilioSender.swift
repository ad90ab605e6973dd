/// Who sends a Twilio message: a number (`From`) or a Messaging Service (`MessagingServiceSid`).
public enum TwilioSender: Hashable, Sendable {
    /// A Twilio number, alphanumeric sender id or short code.
    case from(String)
    /// A Messaging Service sid (`MG…`); Twilio picks the number from its pool.
    case messagingService(String)
}
