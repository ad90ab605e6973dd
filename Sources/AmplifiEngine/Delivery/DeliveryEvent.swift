public import AmplifiCarriers
public import Foundation

/// One carrier status report to apply to a campaign message.
public struct DeliveryEvent: Sendable {
    /// The message's organization: from the callback URL (`…/<org id>/<message id>`) or the
    /// backfilled row; nil for a callback on the pre-011 URL (`…/<message id>`), whose org is not
    /// known until its row is found.
    public var orgID: UUID?
    /// Our `campaign_messages.id` from the callback URL; nil when absent (then the sid decides).
    public var messageID: Int64?
    /// The carrier's report: sid, status and error.
    public var report: CarrierStatusReport
    /// The callback's form fields / the polled fields, stored as jsonb evidence in `delivery_events.raw`.
    public var raw: [(key: String, value: String)]
    /// Callback or backfill.
    public var source: DeliveryEventSource

    /// Creates an event.
    public init(
        orgID: UUID?, messageID: Int64?, report: CarrierStatusReport, raw: [(key: String, value: String)],
        source: DeliveryEventSource
    ) {
        self.orgID = orgID
        self.messageID = messageID
        self.report = report
        self.raw = raw
        self.source = source
    }
}
