/// `GET /sim/stats`: what the simulator has seen and done so far.
public struct CarrierSimulatorStats: Hashable, Sendable, Codable {
    /// Messages accepted (201).
    public var created: Int
    /// Create requests refused with a Twilio error (validation, 429, simulated failures, the account's
    /// concurrency limit).
    public var refused: Int
    /// Refusals per Twilio error code.
    public var refusedByCode: [String: Int]
    /// Accepted messages whose (recipient, body) had already been accepted: every one is a message
    /// a contact got twice.
    public var duplicates: Int
    /// Status callbacks answered with 2xx.
    public var callbacksSent: Int
    /// Status callbacks given up on (4xx, or still failing after the retries).
    public var callbacksFailed: Int
    /// Status callback steps dropped because the callback queue was full.
    public var callbacksDropped: Int
    /// Inbound webhooks posted by `/sim/inbound`.
    public var inboundSent: Int
    /// Accepted messages per current status (`queued`, `sent`, `delivered`, …).
    public var byStatus: [String: Int]
    /// Created messages whose answer was held back past the sender's patience (transport faults).
    public var lateAnswers: Int
    /// Created messages whose connection was cut before the answer was complete.
    public var cutAnswers: Int
    /// Create requests refused 429 / 20429 because the account already had `accountConcurrency`
    /// requests in processing (also counted in `refused` and `refusedByCode["20429"]`).
    public var concurrencyRejections: Int
    /// The most create requests that were in processing at once (refused ones not counted).
    public var peakConcurrentCreates: Int

    /// Stats from their parts.
    public init(
        created: Int, refused: Int, refusedByCode: [String: Int], duplicates: Int, callbacksSent: Int,
        callbacksFailed: Int, callbacksDropped: Int, inboundSent: Int, byStatus: [String: Int], lateAnswers: Int = 0,
        cutAnswers: Int = 0, concurrencyRejections: Int = 0, peakConcurrentCreates: Int = 0
    ) {
        self.created = created
        self.refused = refused
        self.refusedByCode = refusedByCode
        self.duplicates = duplicates
        self.callbacksSent = callbacksSent
        self.callbacksFailed = callbacksFailed
        self.callbacksDropped = callbacksDropped
        self.inboundSent = inboundSent
        self.byStatus = byStatus
        self.lateAnswers = lateAnswers
        self.cutAnswers = cutAnswers
        self.concurrencyRejections = concurrencyRejections
        self.peakConcurrentCreates = peakConcurrentCreates
    }
}
