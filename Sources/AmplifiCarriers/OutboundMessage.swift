public import AmplifiMessaging
public import Foundation

/// One message ready for the carrier: rendered, paid for and rate-limited by the pipeline.
public struct OutboundMessage: Hashable, Sendable {
    /// The allowed range of `validityPeriod`, in seconds (Twilio's `ValidityPeriod`).
    public static let validityPeriodRange: ClosedRange<Int> = 1...36_000

    /// Our message id (`campaign_messages.id`); carried in the status callback URL.
    public var id: Int64
    /// The organization the message belongs to.
    public var orgID: UUID
    /// The sender number.
    public var from: PhoneNumber
    /// The recipient.
    public var to: PhoneNumber
    /// The rendered text.
    public var body: String
    /// The media to attach (MMS), if any.
    public var mediaURL: String?
    /// Where the carrier should post status callbacks, if anywhere.
    public var statusCallbackURL: String?
    /// Seconds the message may wait in the carrier's queue before it expires, within `validityPeriodRange`.
    public var validityPeriod: Int
    /// The latest moment its request may start (its slot on the sender number's schedule plus a
    /// tolerance); a carrier wrapper that would have to wait past it answers the message as not
    /// sent. Nil: no bound.
    public var leaveBy: ContinuousClock.Instant?

    /// Creates a message; `validityPeriod` is clamped into 1…36,000 seconds.
    public init(
        id: Int64, orgID: UUID, from: PhoneNumber, to: PhoneNumber, body: String,
        mediaURL: String? = nil, statusCallbackURL: String? = nil, validityPeriod: Int = 36_000,
        leaveBy: ContinuousClock.Instant? = nil
    ) {
        self.id = id
        self.orgID = orgID
        self.from = from
        self.to = to
        self.body = body
        self.mediaURL = mediaURL
        self.statusCallbackURL = statusCallbackURL
        self.leaveBy = leaveBy
        self.validityPeriod = min(
            max(validityPeriod, Self.validityPeriodRange.lowerBound), Self.validityPeriodRange.upperBound)
    }
}
