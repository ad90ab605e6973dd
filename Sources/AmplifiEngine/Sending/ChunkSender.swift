public import AmplifiCarriers
import AmplifiMessaging
public import AmplifiPostgres
import Foundation
public import Logging
import ServiceLifecycle

/// Sends one chunk of a campaign: its `pending` rows in small claims, each one paid for, paced on the
/// sender number's schedule and recorded — a fixed number of round trips per claim, never one per
/// message (docs/architecture.md, "Claims: the rate first, then only what can go now").
///
/// The order matters: the sender number's rate is reserved **before** rows are claimed, and a claim
/// takes only what the number may send within `claimHorizon`; the claim's messages then leave at
/// their slots on the number's schedule. So a claim is never held while waiting for the rate limiter,
/// the carrier never sees a burst above the number's rate (plus its burst), and the send-time checks
/// (opt-out, quiet hours, pause) are at most a re-check interval old when a message leaves.
///
/// Every step after the claim either completes or puts the rows back: whatever fails between the
/// claim and the carrier (Redis, Postgres, cancellation, a graceful shutdown) returns the rows not
/// yet handed to the carrier to `pending` and refunds what their claim charged, in the same statement
/// as the results of the rows that were sent. A carrier answer that leaves the message's existence
/// unknown (timeout after the request was written, connection lost, unreadable answer) records the
/// row `unknown`: it is settled by listing the carrier's messages, never resent blindly.
///
/// Idempotent: rows are claimed `pending → sending` with `SKIP LOCKED` under a random claim id that
/// is also the credit batch id, and results are written only over that claim. Logs carry ids and
/// counts only.
public struct ChunkSender: Sendable {
    let store: SendBatchStore
    let campaigns: CampaignStore
    let credits: CreditMeter
    let queue: FairChunkQueue?
    let rateLimiter: SenderRateLimiter
    let carrier: any Carrier
    var configuration: ChunkSenderConfiguration
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

    /// The same sender under another worker name (another loop of the same worker).
    public func named(_ workerID: String) -> ChunkSender {
        var copy = self
        copy.configuration.workerID = workerID
        return copy
    }

    /// Processes the chunk's pending rows claim by claim until none is left (then completes the lease
    /// and, when nothing of the campaign is open, moves it to `completed`), the campaign stops
    /// `sending` (paused, canceled, insufficient credits, a carrier setting), the lease is lost, or the
    /// process shuts down (the lease is handed back: the job is queued again for another worker).
    public func process(_ job: ChunkJob, lease: ChunkLease?) async throws -> ChunkOutcome {
        let metadata: Logger.Metadata = [
            "campaign_id": .id(job.campaignID),
            "org_id": .id(job.orgID), "chunk": "\(job.chunk)",
        ]
        guard var campaign = try await store.campaign(campaignID: job.campaignID, orgID: job.orgID) else {
            throw EngineError(
                .notFound, "no campaign \(job.campaignID) in organization \(job.orgID)", field: "campaign")
        }
        var lease = lease
        var status = campaign.status
        var rounds = 0
        var segmentsPerMessage = 1.0
        var sliceStart = ContinuousClock.now
        while true {
            try Task.checkCancellation()
            if Task.isShuttingDownGracefully {
                if let lease, let queue {
                    _ = try await queue.complete(lease)
                    _ = try await queue.push(jobs: [job])
                }
                logger.info("chunk handed back (shutting down)", metadata: metadata)
                return .handedBack
            }
            // Fairness between organizations: a chunk held for a time slice goes back to the queue
            // when another organization waits with fewer jobs in flight (checked once per slice).
            if rounds > 0, let current = lease, let queue, let slice = configuration.timeSlice,
                ContinuousClock.now - sliceStart >= slice
            {
                sliceStart = .now
                if try await queue.othersWaiting(besides: job.orgID) {
                    _ = try await queue.complete(current)
                    _ = try await queue.push(jobs: [job])
                    logger.debug("chunk handed back (another organization is waiting)", metadata: metadata)
                    return .handedBack
                }
            }
            // Step 1: stop at a claim boundary unless the campaign is sending (the first round uses the
            // status just read with the campaign).
            if rounds > 0 {
                status = try await store.status(campaignID: job.campaignID, orgID: job.orgID) ?? .canceled
            }
            guard status == .sending else {
                logger.info("chunk stopped", metadata: metadata.merging(["status": "\(status.rawValue)"]) { $1 })
                // The job is done either way: a resumed campaign's chunks are pushed again by the
                // reconciler (every sending campaign with pending rows), so holding the lease helps nobody.
                if let lease, let queue { _ = try await queue.complete(lease) }
                return .stopped(status)
            }
            if rounds > 0, let current = lease, let queue {
                guard let extended = try await queue.extend(current, leaseSeconds: configuration.leaseSeconds) else {
                    logger.info("chunk lease lost", metadata: metadata)
                    return .leaseLost
                }
                lease = extended
            }
            rounds += 1
            // Step 2: the number's rate first, for what fits in the claim horizon; then claim that much.
            let limit = configuration.claimLimit(ratePerSecond: campaign.mps, segmentsPerMessage: segmentsPerMessage)
            let decision = try await rateLimiter.reserve(
                orgID: job.orgID, senderID: campaign.senderID,
                segments: max(1, Int((Double(limit) * segmentsPerMessage).rounded(.up))),
                ratePerSecond: campaign.mps, burst: configuration.burst(forRate: campaign.mps),
                maxWait: configuration.claimHorizon)
            let reservedAt = ContinuousClock.now
            guard case .reserved(let reservation) = decision else {
                // Other workers booked the number ahead: wait (holding no row) and ask again. The wait
                // is bounded so the status and the lease are looked at again in time.
                if case .wait(let wait) = decision {
                    EngineMetrics.rateLimitWait(wait, senderID: campaign.senderID)
                    await Self.pause(until: reservedAt + min(wait, .seconds(max(1, configuration.leaseSeconds / 4))))
                }
                continue
            }
            // Claim when the first message's slot comes (within the horizon), so the send-time checks
            // read the contacts as late as possible.
            let firstSlot = reservation.delay(throughSegment: 1) - .milliseconds(20)
            EngineMetrics.rateLimitWait(firstSlot, senderID: campaign.senderID)
            await Self.pause(until: reservedAt + firstSlot)
            let claimID = UUID()
            let (claimed, winner) = try await store.claim(
                campaignID: job.campaignID, orgID: job.orgID, chunk: job.chunk, worker: configuration.workerID,
                claimID: claimID, limit: limit)
            if claimed.isEmpty { break }
            EngineMetrics.claim(rows: claimed.count)
            campaign.abWinner = winner
            let batch = ClaimedBatch(
                job: job, claimID: claimID, campaign: campaign, reservation: reservation, reservedAt: reservedAt,
                metadata: metadata.merging(["claim_id": .id(claimID)]) { $1 })
            let outcome = try await send(claimed, batch: batch)
            if let observed = outcome.segmentsPerMessage { segmentsPerMessage = observed }
            if let stop = outcome.stop {
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

    /// What one claim needs besides its rows: the job, the claim's id (= its credit batch id), the
    /// campaign as of the claim, and the rate reservation its messages are paced on.
    struct ClaimedBatch: Sendable {
        var job: ChunkJob
        var claimID: UUID
        var campaign: SendCampaign
        var reservation: RateReservation
        var reservedAt: ContinuousClock.Instant
        var metadata: Logger.Metadata
    }

    /// One prepared row: the claim, the rendered message, when it may leave and its validity period.
    struct Prepared: Sendable {
        var claim: ClaimedMessage
        var plan: MessagePlan
        var due: ContinuousClock.Instant
        var validityPeriod: Int
    }

    /// What became of one claim.
    struct BatchOutcome: Sendable {
        /// The status the campaign was found in when sending must stop.
        var stop: CampaignStatus?
        /// Pause the campaign with this reason once the claim is written (`insufficient_credits`, a
        /// carrier setting, too many content-filtered messages).
        var pauseReason: String?
        /// Segments per message of the claim's rendered messages (the next claim's estimate).
        var segmentsPerMessage: Double?
    }

    /// Steps 3–8 for one claimed batch. Whatever happens, every claimed row is written once: with its
    /// result, or back to `pending` with its charge refunded (the same statement).
    func send(_ claimed: [ClaimedMessage], batch: ClaimedBatch) async throws -> BatchOutcome {
        var ledger = ClaimLedger(claimID: batch.claimID, rows: claimed)
        do {
            var outcome = try await sendClaimed(claimed, batch: batch, ledger: &ledger)
            try await recordWithRetry(ledger.records(), batch: batch)
            if let reason = outcome.pauseReason {
                _ = try await campaigns.transition(
                    campaignID: batch.job.campaignID, orgID: batch.job.orgID, to: .paused, reason: reason)
                var metadata = batch.metadata.merging(["reason": "\(reason)"]) { $1 }
                if let hint = CampaignPauseReason.unblockHint(
                    reason: reason, orgID: batch.job.orgID, campaignID: batch.job.campaignID)
                {
                    metadata["unblock"] = "\(hint)"
                }
                logger.warning("campaign paused", metadata: metadata)
                outcome.stop = .paused
            }
            return outcome
        } catch {
            // Put back what has no result yet (never handed to the carrier), refunded; keep the rest.
            logger.warning(
                "claim interrupted; rows not handed to the carrier go back to pending",
                metadata: batch.metadata.merging(["error": "\(error)"]) { $1 })
            try await recordWithRetry(ledger.records(), batch: batch)
            throw error
        }
    }

    func sendClaimed(
        _ claimed: [ClaimedMessage], batch: ClaimedBatch, ledger: inout ClaimLedger
    ) async throws -> BatchOutcome {
        let campaign = batch.campaign
        let job = batch.job
        // Step 3 (suppression) and 4 (render), in memory.
        var rendered: [(claim: ClaimedMessage, plan: MessagePlan)] = []
        rendered.reserveCapacity(claimed.count)
        for claim in claimed {
            if let reason = Self.skipReason(claim) {
                ledger.skip(claim.id, reason: reason)
                continue
            }
            guard let template = campaign.template(variant: claim.variant),
                let plan = try? MessagePlanner.plan(
                    body: template.render(claim.values), mediaURL: campaign.mediaURL,
                    forceRoute: campaign.forceRoute, normalizeText: campaign.normalizeText)
            else {
                ledger.fail(claim.id, code: "render_failed")
                continue
            }
            rendered.append((claim, plan))
        }
        guard !rendered.isEmpty else { return BatchOutcome() }
        // Each message's slot on the number's schedule; segments beyond the estimate are booked now.
        let segments = rendered.map { $0.plan.segmentCount }
        var topUp: RateReservation?
        var topUpAt = batch.reservedAt
        let shortfall = BatchSchedule.shortfall(segments: segments, reserved: batch.reservation.segments)
        if shortfall > 0 {
            topUp = try await rateLimiter.reserve(
                orgID: job.orgID, senderID: campaign.senderID, segments: shortfall, ratePerSecond: campaign.mps,
                burst: configuration.burst(forRate: campaign.mps)
            ).reservation
            topUpAt = .now
        }
        let schedule = BatchSchedule(segments: segments, reservation: batch.reservation, topUp: topUp)
        // Quiet hours at the time each message will actually leave.
        let wallNow = configuration.now()
        let clockNow = ContinuousClock.now
        var windows: [String: QuietHoursWindow] = [:]
        var sendable: [Prepared] = []
        sendable.reserveCapacity(rendered.count)
        for (row, slot) in zip(rendered, schedule.slots) {
            let due = (slot.reservation == 0 ? batch.reservedAt : topUpAt) + slot.offset
            let leaves = wallNow.addingTimeInterval((max(.zero, due - clockNow)).asSeconds)
            let window = quietHoursWindow(for: row.claim, campaign: campaign, cache: &windows)
            switch window?.decision(at: leaves) ?? .closed(opensAt: leaves.addingTimeInterval(3_600)) {
            case .closed(let opensAt):
                ledger.defer(row.claim.id, until: opensAt)
            case .open(_, let seconds):
                sendable.append(Prepared(claim: row.claim, plan: row.plan, due: due, validityPeriod: seconds))
            }
        }
        let segmentsPerMessage = Double(segments.reduce(0) { $0 + max(1, $1) }) / Double(segments.count)
        guard !sendable.isEmpty else { return BatchOutcome(segmentsPerMessage: segmentsPerMessage) }
        // Step 5: one statement charges the claim and prices its rows.
        let pricing = sendable.filter { $0.plan.credits > 0 }.map { (messageID: $0.claim.id, credits: $0.plan.credits) }
        if !pricing.isEmpty {
            do {
                _ = try await credits.reserve(
                    orgID: job.orgID, campaignID: job.campaignID, batchID: batch.claimID.uuidString.lowercased(),
                    credits: pricing.reduce(0) { $0 + $1.credits }, pricing: pricing)
            } catch let error as EngineError where error.code == .insufficientCredits {
                // Nothing was charged: the rows go back to pending (the caller writes them).
                EngineMetrics.creditsRefused()
                return BatchOutcome(
                    pauseReason: CampaignPauseReason.insufficientCredits, segmentsPerMessage: segmentsPerMessage)
            }
            for row in pricing { ledger.charged(row.messageID, credits: row.credits) }
        }
        // Steps 6 and 7: each message leaves at its slot; the send-time checks are read again when the
        // last read is older than the re-check interval.
        var stop: CampaignStatus?
        let results = await pace(sendable, readyAt: .now, batch: batch, ledger: &ledger, stop: &stop)
        // Step 8: classify in memory; the caller writes everything in one statement.
        var verdict = BatchVerdict()
        for (row, result) in results {
            verdict.apply(result, to: row, ledger: &ledger, configuration: configuration)
        }
        EngineMetrics.recordBatch(verdict)
        if let backOff = verdict.backOff {
            EngineMetrics.backOff()
            try await rateLimiter.backOff(orgID: job.orgID, senderID: campaign.senderID, for: backOff)
        }
        logger.debug("batch sent", metadata: batch.metadata.merging(verdict.metadata) { $1 })
        let reason = stop == nil ? verdict.pauseReason(contentFilterPause: configuration.contentFilterPause) : nil
        return BatchOutcome(stop: stop, pauseReason: reason, segmentsPerMessage: segmentsPerMessage)
    }

    /// Hands each message to the carrier at its slot (messages due together go as one concurrent
    /// call) and returns the carrier's answers. A message whose slot lies more than the late tolerance
    /// after `readyAt` (the claim was prepared) is handed over with a `leaveBy` of its slot plus the
    /// tolerance. Before a message leaves, pause/cancel and the contacts'
    /// suppression are read again when the last read is older than the re-check interval; a campaign
    /// that stopped `sending`, a shutdown or a failed re-check stops the launching (`stop` says why
    /// when the campaign stopped): the rows not handed over stay without a result and are put back.
    func pace(
        _ sendable: [Prepared], readyAt: ContinuousClock.Instant, batch: ClaimedBatch, ledger: inout ClaimLedger,
        stop: inout CampaignStatus?
    ) async -> [(Prepared, SendResult)] {
        var lastCheck = batch.reservedAt
        var next = 0
        var launched: [[(Prepared, SendResult)]] = []
        await withTaskGroup(of: [(Prepared, SendResult)].self) { group in
            while next < sendable.count {
                // The re-check runs just before the slot, so its round trip does not make the message late.
                await Self.pause(until: sendable[next].due - Self.recheckLead)
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                if ContinuousClock.now - lastCheck >= configuration.recheckInterval {
                    let remaining = sendable[next...].map(\.claim.contactID)
                    guard
                        let checked = try? await store.recheck(
                            campaignID: batch.job.campaignID, orgID: batch.job.orgID, contactIDs: remaining)
                    else { break }
                    lastCheck = .now
                    if checked.status != .sending {
                        stop = checked.status ?? .canceled
                        break
                    }
                    for row in sendable[next...] {
                        if let reason = checked.suppressed[row.claim.contactID] {
                            ledger.skip(row.claim.id, reason: reason)
                        }
                    }
                }
                await Self.pause(until: sendable[next].due)
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                // Messages due within 5 ms go together. One the limiter placed further out than the
                // late tolerance must leave within it of its slot (`leaveBy`): if no carrier permit
                // comes by then it stays unsent, rather than leave beside the messages behind it.
                var slice: [Prepared] = []
                var outbound: [OutboundMessage] = []
                let horizon = ContinuousClock.now + .milliseconds(5)
                while next < sendable.count, sendable[next].due <= horizon {
                    let row = sendable[next]
                    next += 1
                    if ledger.isSettled(row.claim.id) { continue }
                    let paced = row.due > readyAt + configuration.lateTolerance
                    slice.append(row)
                    outbound.append(
                        outboundMessage(row, batch: batch, leaveBy: paced ? row.due + configuration.lateTolerance : nil)
                    )
                }
                if slice.isEmpty { continue }
                for row in slice { ledger.handed(row.claim.id) }
                group.addTask { [carrier] in
                    EngineMetrics.carrierCallStarted(messages: outbound.count)
                    let started = ContinuousClock.now
                    let results = await carrier.send(outbound)
                    EngineMetrics.carrierCallEnded(messages: outbound.count, duration: .now - started)
                    return Array(zip(slice, results))
                }
            }
            for await results in group { launched.append(results) }
        }
        return launched.flatMap { $0 }
    }

    /// How long before a message's slot the send-time checks are read again when they are stale.
    static let recheckLead: Duration = .milliseconds(50)

    /// The carrier's view of one prepared row, to leave by `leaveBy` (nil: no bound).
    func outboundMessage(_ row: Prepared, batch: ClaimedBatch, leaveBy: ContinuousClock.Instant?) -> OutboundMessage {
        OutboundMessage(
            id: row.claim.id, orgID: batch.job.orgID, from: batch.campaign.from,
            to: PhoneNumber(trustedE164: row.claim.phone), body: row.plan.text, mediaURL: batch.campaign.mediaURL,
            statusCallbackURL: configuration.statusCallbackURL(orgID: batch.job.orgID, messageID: row.claim.id),
            validityPeriod: row.validityPeriod, leaveBy: leaveBy)
    }

    /// Writes a claim's rows, retrying with backoff while Postgres is unreachable (up to
    /// `recordDeadline`), shielded from the caller's cancellation: results the carrier gave must not
    /// be lost to a shutdown. Past the deadline the rows stay `sending` for the sweeper and the settle
    /// step, which find them at the carrier — never resent blindly.
    func recordWithRetry(_ rows: [RecordedMessage], batch: ClaimedBatch) async throws {
        guard !rows.isEmpty else { return }
        let store = self.store
        let job = batch.job
        let deadline = ContinuousClock.now + configuration.recordDeadline
        let logger = self.logger
        let metadata = batch.metadata
        try await Task {
            var wait = Duration.milliseconds(100)
            while true {
                do {
                    try await store.record(campaignID: job.campaignID, orgID: job.orgID, rows: rows)
                    return
                } catch {
                    guard ContinuousClock.now + wait < deadline else { throw error }
                    logger.warning(
                        "recording a batch failed; retrying",
                        metadata: metadata.merging(["error": "\(error)", "retry_in": "\(wait)"]) { $1 })
                    try? await Task.sleep(for: wait)
                    wait = min(wait * 2, .seconds(5))
                }
            }
        }.value
    }

    /// Sleeps until `instant`, waking early on graceful shutdown or cancellation.
    static func pause(until instant: ContinuousClock.Instant) async {
        guard instant > .now, !Task.isShuttingDownGracefully else { return }
        try? await cancelWhenGracefulShutdown { try await Task.sleep(until: instant, clock: .continuous) }
    }

    /// Send-time suppression, in the planner's order of precedence; nil = may be sent.
    static func skipReason(_ claim: ClaimedMessage) -> SkipReason? {
        SuppressionCheck.skipReason(deleted: claim.deleted, optedOut: claim.optedOut, isTextable: claim.isTextable)
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
