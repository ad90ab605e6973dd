public import AmplifiEngine
import AmplifiMessaging
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// `GET /api/campaigns/{id}/events`: a campaign's live progress as Server-Sent Events, for
/// dashboards — what `amplifi campaign watch` shows.
///
/// Each reading is one primary-key read of the campaign row (its counters are bumped once per
/// batch by the workers), never a count over the campaign's messages, so a stream costs the same
/// for ten recipients and ten million. A `progress` event goes out when the numbers change, at most
/// every `interval`; a `status` event when the status changes; a comment line every 15 s keeps
/// proxies from closing an idle stream. The stream ends with an `end` event carrying the final
/// status (completed, failed, canceled), or `shutdown` when the server stops (reconnect).
public struct CampaignEventStream: Sendable {
    let store: CampaignStore
    let interval: Duration

    public init(store: CampaignStore, interval: Duration = .milliseconds(500)) {
        self.store = store
        self.interval = interval
    }

    /// One progress reading as the `progress` event carries it.
    struct Progress: Encodable, Equatable {
        var status: String
        var statusReason: String?
        var audience: Int64
        var skipped: Int64
        var sent: Int64
        var failed: Int64
        var delivered: Int64
        var undelivered: Int64
        var replies: Int64
        var optOuts: Int64
        var creditsUsed: Int64
        /// Planned rows without an outcome yet (pending, deferred, held, in flight or unknown).
        var remaining: Int64
        /// Sent + failed per second over the last reading.
        var messagesPerSecond: Double
        /// remaining ÷ messagesPerSecond; nil while nothing moves.
        var etaSeconds: Double?

        init(_ campaign: Campaign, rate: Double) {
            let counters = campaign.counters
            status = campaign.status.rawValue
            statusReason = campaign.statusReason
            audience = counters.audience
            skipped = counters.skipped
            sent = counters.sent
            failed = counters.failed
            delivered = counters.delivered
            undelivered = counters.undelivered
            replies = counters.replies
            optOuts = counters.optOuts
            creditsUsed = counters.creditsUsed
            remaining = max(0, counters.audience - counters.skipped - counters.sent - counters.failed)
            messagesPerSecond = (rate * 10).rounded() / 10
            etaSeconds = rate > 0 && remaining > 0 ? (Double(remaining) / rate).rounded() : nil
        }
    }

    /// The event stream of `campaignID`, whose first reading is `first`.
    func response(first: Campaign, orgID: UUID) -> Response {
        let store = store
        let interval = interval
        let headers: HTTPFields = [
            .contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no",
        ]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                var campaign = first
                var previous: (sent: Int64, at: ContinuousClock.Instant)?
                var lastProgress: Progress?
                var lastStatus: CampaignStatus?
                var lastWrite = ContinuousClock.now
                func event(_ name: String, _ data: some Encodable) throws -> ByteBuffer {
                    let json = String(decoding: try encoder.encode(data), as: UTF8.self)
                    return ByteBuffer(string: "event: \(name)\ndata: \(json)\n\n")
                }
                while true {
                    let now = ContinuousClock.now
                    let moved = campaign.counters.sent + campaign.counters.failed
                    var rate = 0.0
                    if let previous, now > previous.at {
                        rate = Double(max(0, moved - previous.sent)) / (now - previous.at).asSeconds
                    }
                    previous = (moved, now)
                    if campaign.status != lastStatus {
                        try await writer.write(
                            try event("status", ["status": campaign.status.rawValue, "reason": campaign.statusReason]))
                        lastStatus = campaign.status
                        lastWrite = now
                    }
                    let progress = Progress(campaign, rate: rate)
                    if progress != lastProgress {
                        try await writer.write(try event("progress", progress))
                        lastProgress = progress
                        lastWrite = now
                    }
                    if campaign.status.isFinal {
                        try await writer.write(try event("end", ["status": campaign.status.rawValue]))
                        break
                    }
                    if Task.isShuttingDownGracefully || Task.isCancelled {
                        try await writer.write(try event("end", ["status": "shutdown"]))
                        break
                    }
                    if now - lastWrite > .seconds(15) {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        lastWrite = now
                    }
                    try await Task.sleep(for: interval)
                    guard let next = try await store.fetch(campaignID: campaign.id, orgID: orgID) else { break }
                    campaign = next
                }
                try await writer.finish(nil)
            })
    }
}
