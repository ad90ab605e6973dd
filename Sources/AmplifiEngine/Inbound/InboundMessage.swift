import AmplifiPostgres

/// A message a contact sent to one of the org's numbers, as the carrier's webhook delivers it.
public struct InboundMessage: Sendable, Hashable {
    /// The carrier's id (Twilio `MessageSid`): the idempotency key of the webhook.
    public var providerMessageID: String
    /// The sender as given (normally E.164; carriers' own short codes are not).
    public var from: String
    /// The org's number the message was sent to, E.164 (or a short code).
    public var to: String
    /// The text.
    public var body: String
    /// Attached media (MMS), if any.
    public var mediaURLs: [String]

    /// A message as received, with the characters Postgres cannot store (NUL) removed, so a
    /// `STOP\0` is still a STOP and is never refused by the database.
    public init(providerMessageID: String, from: String, to: String, body: String, mediaURLs: [String] = []) {
        self.providerMessageID = PostgresText.sanitized(providerMessageID)
        self.from = PostgresText.sanitized(from)
        self.to = PostgresText.sanitized(to)
        self.body = PostgresText.sanitized(body)
        self.mediaURLs = mediaURLs.map(PostgresText.sanitized)
    }
}
