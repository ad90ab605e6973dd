public import AmplifiCarriers
import AmplifiMessaging
public import AmplifiPostgres
public import Foundation
public import Logging

/// Sends one chunk of a campaign: its `pending` rows in batches, each batch checked for pause/cancel,
/// claimed, re-checked for suppression and quiet hours, rendered, paid for, rate-limited, sent and
/// recorded — a fixed number of round trips per batch, never one per message
/// (design.md, "The send pipeline, per batch").
///
/// Idempotent: rows are claimed `pending → sending` with `SKIP LOCKED`, results are written only
/// over this worker's claim, and the credit batch id is derived from (campaign, chunk, first row,
/// attempt), so a job run twice costs time, never a message. Logs carry ids and counts only.
public struct ChunkSender: Sendable {
    let store: SendBatchStore
    let campaigns: CampaignStore
    let credits: CreditMeter
    let queue: FairChunkQueue?
    let rateLimiter: SenderRateLimiter
    let carrier: any Carrier
    let configuration: ChunkSenderConfiguration
    let logger: Logger

    /// A sender over Postgres (`client`), the fair queue (for lease heartbeat and completion; nil when
    /// chunks are not leased), the fleet-wide rate limiter and a carrier.
    public init(
        client: PostgresClient, queue: FairChunkQueue?, rateLimiter: SenderRateLimiter, carrier: any Carrier,
        configuration: ChunkSenderConfiguration, logger: Logger = Logger(label: "amplifi.sending")
    ) {
        self.store = SendBatchStore(client: client)
        self.campaigns = CampaignStore(client: client, logger: logger)
        self.credits = CreditMeter(client: client, logger: logger)
        self.queue = queue
        self.rateLimiter = rateLimiter
        self.carrier = carrier
        self.configuration = configuration
        self.logger = logger
    }

    /// Processes the chunk's pending rows batch by batch until none is left (then completes the lease
    /// and, when nothing of the campaign is open, moves it to `completed`) or the campaign stops
    /// `sending` (paused, canceled, insufficient credits, a carrier setting) or the lease is lost.
    public func process(_ job: ChunkJob, lease: ChunkLease?) async throws -> ChunkOutcome {
        let metadata: Logger.Metadata = [
            "campaign_id": "\(job.campaignID.uuidString.lowercased())",
            "org_id": "\(job.orgID.uuidString.lowercased())", "chunk": "\(job.chunk)",
        ]
        guard let campaign = try await store.campaign(campaignID: job.campaignID, orgID: job.orgID) else {
            throw EngineError(.notFound, "no campaign \(job.campaignID) in organization \(job.orgID)", field: "campaign")
        }
        var lease = lease
        var status = campaign.status
        var batches = 0
        while true {
            // Step 1: stop at a batch boundary unless the campaign is sending (the first batch uses the
            // status just read with the campaign).
            if batches > 0 {
                status = try await store.status(campaignID: job.campaignID, orgID: job.orgID) ?? .canceled
            }
            guard status == .sending else {
                logger.info("chunk stopped", metadata: metadata.merging(["status": "\(status.rawValue)"]) { $1 })
                // The job is done either way: a resumed campaign's chunks are pushed again by the
                // reconciler (every sending campaign with pending rows), so holding the lease helps nobody.
                if let lease, let queue { _ = try await queue.complete(lease) }
                return .stopped(status)
            }
            if batches > 0, let current = lease, let queue {
                guard let extended = try await queue.extend(current, leaseSeconds: configuration.leaseSeconds) else {
                    logger.info("chunk lease lost", metadata: metadata)
                    return .leaseLost
                }
                lease = extended
            }
            batches += 1
            // Step 2.
            let claimed = try await store.claim(
                campaignID: job.campaignID, orgID: job.orgID, chunk: job.chunk, worker: configuration.workerID,
                limit: configuration.batchSize)
            if claimed.isEmpty { break }
            if let stop = try await sendBatch(claimed, job: job, campaign: campaign, metadata: metadata) {
                if let lease, let queue { _ = try await queue.complete(lease) }
                return .stopped(stop)
            }
        }
        // Step 9: the lease ends with the chunk's last pending row (rows another worker put back
        // later are pushed again by the reconciler).
        if let lease, let queue { _ = try await queue.complete(lease) }
        let completed = try await store.completeIfDone(campaignID: job.campaignID, orgID: job.orgID)
        if completed { logger.info("campaign completed", metadata: metadata) }
        return .finished(campaignCompleted: completed)
    }

    /// One prepared row: the claim, and the rendered message when it is to be sent.
    struct Prepared {
        var claim: ClaimedMessage
        var plan: MessagePlan
        var validityPeriod: Int
    }

    /// Steps 3–8 for one claimed batch; returns the status the campaign was moved to when it must stop.
    func sendBatch(
        _ claimed: [ClaimedMessage], job: ChunkJob, campaign: SendCampaign, metadata: Logger.Metadata
    ) async throws -> CampaignStatus? {
        let now = configuration.now()
        var records: [RecordedMessage] = []
        var sendable: [Prepared] = []
        records.reserveCapacity(claimed.count)
        sendable.reserveCapacity(claimed.count)
        var windows: [String: QuietHoursWindow] = [:]
        // Steps 3 and 4, in memory.
        for claim in claimed {
            if let reason = Self.skipReason(claim) {
                records.append(
                    RecordedMessage(id: claim.id, contactID: claim.contactID, status: "skipped", skipReason: reason))
                continue
            }
            let window = quietHoursWindow(for: claim, campaign: campaign, cache: &windows)
            let decision = window?.decision(at: now) ?? .closed(opensAt: now.addingTimeInterval(3_600))
            let validity: Int
            switch decision {
            case .closed(let opensAt):
                records.append(
                    RecordedMessage(
                        id: claim.id, contactID: claim.contactID, status: "deferred", deferUntil: opensAt,
                        attemptDelta: -1))
                continue
            case .open(_, let seconds):
                validity = seconds
            }
            guard let template = campaign.template(variant: claim.variant),
                let plan = try? MessagePlanner.plan(
                    body: template.render(claim.values), mediaURL: campaign.mediaURL,
                    forceRoute: campaign.forceRoute, normalizeText: campaign.normalizeText)
            else {
                records.append(
                    RecordedMessage(
                        id: claim.id, contactID: claim.contactID, status: "failed", errorCode: "render_failed"))
                continue
            }
            sendable.append(Prepared(claim: claim, plan: plan, validityPeriod: validity))
        }
        guard !sendable.isEmpty else {
            try await store.record(
                campaignID: job.campaignID, orgID: job.orgID, worker: configuration.workerID, rows: records)
            return nil
        }
        // Step 5: one statement for the batch.
        let totalCredits = sendable.reduce(0) { $0 + $1.plan.credits }
        let batchID = "\(job.campaignID.uuidString.lowercased()):\(job.chunk):\(claimed[0].id):\(claimed[0].attempt)"
        var batchMetadata = metadata
        batchMetadata["batch_id"] = "\(batchID)"
        if totalCredits > 0 {
            do {
                _ = try await credits.reserve(
                    orgID: job.orgID, campaignID: job.campaignID, batchID: batchID, credits: totalCredits)
            } catch let error as EngineError where error.code == .insufficientCredits {
                for row in sendable {
                    records.append(
                        RecordedMessage(
                            id: row.claim.id, contactID: row.claim.contactID, status: "pending", attemptDelta: -1))
                }
                try await store.record(
                    campaignID: job.campaignID, orgID: job.orgID, worker: configuration.workerID, rows: records)
                _ = try await campaigns.transition(
                    campaignID: job.campaignID, orgID: job.orgID, to: .paused, reason: "insufficient_credits")
                logger.info("campaign paused: insufficient credits", metadata: batchMetadata)
                return .paused
            }
        }
        // Step 6: segments are the carrier's unit of throughput.
        let segments = sendable.reduce(0) { $0 + max(1, $1.plan.segmentCount) }
        let decision = try await rateLimiter.reserve(
            orgID: job.orgID, senderID: campaign.senderID, segments: segments, ratePerSecond: campaign.mps)
        if let delay = decision.reservation?.delay, delay > .zero {
            try await Task.sleep(for: delay)
        }
        // Step 7.
        let outbound = sendable.map { row in
            OutboundMessage(
                id: row.claim.id, orgID: job.orgID, from: campaign.from, to: PhoneNumber(trustedE164: row.claim.phone),
                body: row.plan.text, mediaURL: campaign.mediaURL,
                statusCallbackURL: configuration.statusCallbackBaseURL.map { "\($0)/\(row.claim.id)" },
                validityPeriod: row.validityPeriod)
        }
        let results = await carrier.send(outbound)
        // Step 8: classify in memory, then one write, one refund, at most one backoff and one pause.
        var refunds: [(messageID: Int64, credits: Int)] = []
        var backOff: Duration?
        var pauseReason: String?
        var counts = (sent: 0, failed: 0, retried: 0, filtered: 0)
        for (position, row) in sendable.enumerated() {
            let result = position < results.count ? results[position] : .failed(.connectionFailed)
            var record = RecordedMessage(
                id: row.claim.id, contactID: row.claim.contactID, status: "sent", body: row.plan.text,
                encoding: row.plan.encoding == .gsm7 ? "GSM7" : "UCS2",
                segments: row.plan.segmentCount > 0 ? row.plan.segmentCount : nil, credits: row.plan.credits)
            switch result {
            case .accepted(let providerID, _, _, _):
                record.providerMessageID = providerID
                counts.sent += 1
            case .failed(let error):
                record.errorCode = error.code
                switch error.disposition {
                case .retryBatchLater(let retryAfter):
                    record.status = row.claim.attempt >= configuration.maxAttempts ? "failed" : "pending"
                    let wait = retryAfter ?? configuration.defaultBackOff
                    backOff = max(backOff ?? .zero, wait)
                case .retryRow(let maxAttempts):
                    record.status = row.claim.attempt >= maxAttempts ? "failed" : "pending"
                case .failRow(let markNotTextable, let optOut):
                    record.status = "failed"
                    record.contactAction = optOut ? .optOut : (markNotTextable ? .markNotTextable : nil)
                case .pauseCampaign(let reason):
                    record.status = "pending"
                    pauseReason = pauseReason ?? reason
                case .contentFiltered:
                    record.status = "failed"
                    counts.filtered += 1
                case .settleLater:
                    // The carrier may have the message: never resent, debit kept; listing settles it.
                    record.status = "unknown"
                }
                if record.status == "pending" { counts.retried += 1 } else { counts.failed += 1 }
                if !error.isCharged, !error.isAmbiguous, row.plan.credits > 0 {
                    refunds.append((row.claim.id, row.plan.credits))
                    record.credits = 0
                }
            }
            records.append(record)
        }
        try await store.record(
            campaignID: job.campaignID, orgID: job.orgID, worker: configuration.workerID, rows: records)
        if !refunds.isEmpty {
            try await credits.refund(
                orgID: job.orgID, campaignID: job.campaignID, batchID: batchID, messages: refunds)
        }
        if let backOff {
            try await rateLimiter.backOff(orgID: job.orgID, senderID: campaign.senderID, for: backOff)
        }
        logger.debug(
            "batch sent",
            metadata: batchMetadata.merging([
                "claimed": "\(claimed.count)", "sent": "\(counts.sent)", "failed": "\(counts.failed)",
                "retried": "\(counts.retried)", "content_filtered": "\(counts.filtered)",
                "refunded": "\(refunds.count)",
            ]) { $1 })
        if pauseReason == nil, let threshold = configuration.contentFilterPause,
            sendable.count >= threshold.minimumBatch,
            Double(counts.filtered) >= threshold.rate * Double(sendable.count), counts.filtered > 0
        {
            pauseReason = CarrierErrorTable.contentFilterPauseReason
        }
        if let pauseReason {
            _ = try await campaigns.transition(
                campaignID: job.campaignID, orgID: job.orgID, to: .paused, reason: pauseReason)
            logger.info("campaign paused by carrier error", metadata: batchMetadata.merging(["reason": "\(pauseReason)"]) { $1 })
            return .paused
        }
        return nil
    }

    /// Send-time suppression, in the planner's order of precedence; nil = may be sent.
    static func skipReason(_ claim: ClaimedMessage) -> String? {
        if claim.deleted { return "contact_deleted" }
        if claim.optedOut { return "opted_out" }
        if claim.isTextable == false { return "not_textable" }
        if claim.isTextable == nil { return "lookup_pending" }
        return nil
    }

    /// The recipient's quiet-hours window: contact zone → campaign → organization. No skip reason fits
    /// an unknown zone (schema: opted_out, not_textable, lookup_pending, invalid_phone, no_phone,
    /// contact_deleted), so an unknown contact zone falls back to the campaign's / org's zone rather
    /// than skip or send at a guessed local time. Cached per (zone, state) for the batch.
    func quietHoursWindow(
        for claim: ClaimedMessage, campaign: SendCampaign, cache: inout [String: QuietHoursWindow]
    ) -> QuietHoursWindow? {
        let key = "\(claim.timeZone ?? "")|\(claim.values.state ?? "")"
        if let cached = cache[key] { return cached }
        let candidates: [String?] = [claim.timeZone, nil]
        for contactZone in candidates {
            if let window = try? RecipientTimeZone.window(
                contact: contactZone, campaign: campaign.campaignTimeZone,
                organization: campaign.organizationTimeZone, state: claim.values.state, policy: campaign.policy)
            {
                cache[key] = window
                return window
            }
        }
        if let window = try? RecipientTimeZone.window(
            contact: nil, campaign: nil, organization: campaign.organizationTimeZone, state: claim.values.state,
            policy: campaign.policy)
        {
            cache[key] = window
            return window
        }
        return nil
    }
}
