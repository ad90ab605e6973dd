import AmplifiCarriers
import AmplifiMessaging
import AmplifiPostgres
import Foundation
import Logging

/// Pays for, sends and records one stored `reply_messages` row (an auto-reply or a test send):
/// charge (idempotent) → rate reservation on the sender number → claim → carrier → record → refund
/// a refusal the carrier does not bill. The same steps and rules as a campaign batch
/// (ChunkSender), for a batch of one.
///
/// The reservation comes before the claim, as for a campaign batch: a message never holds a claim
/// while it waits. The wait is bounded by `maxRateWait`; a longer one leaves the row `pending`
/// (already paid: the retry's charge is the same batch) for the pending sweep.
///
/// Crash safety: the charge comes BEFORE the claim and is keyed by the row's batch id, so a
/// process that dies after charging leaves the row 'pending' and the next try finds it already
/// paid; a process that dies after claiming leaves it 'sending', which expires to 'unknown' and is
/// never sent again (the carrier may have it).
struct ReplySender: Sendable {
    /// Claims a reply gets before a retryable carrier error becomes final.
    static let maxAttempts = 3

    let store: ReplyStore
    let credits: CreditMeter
    let limiter: SenderRateLimiter
    let maxRateWait: Duration
    let carrier: any Carrier
    /// The receiver's status path (`<public URL>/twilio/status`): each reply names its own callback
    /// under it (``StatusCallbackTarget/replyURL(base:orgID:replyID:)``). Nil: no callbacks.
    let statusCallbackBase: String?
    let logger: Logger

    init(
        client: PostgresClient, limiter: SenderRateLimiter, maxRateWait: Duration, carrier: any Carrier,
        statusCallbackBase: String?, logger: Logger
    ) {
        self.store = ReplyStore(client: client)
        self.credits = CreditMeter(client: client, logger: logger)
        self.limiter = limiter
        self.maxRateWait = maxRateWait
        self.carrier = carrier
        self.statusCallbackBase = statusCallbackBase
        self.logger = logger
    }

    /// Sends `reply` unless another process owns it; returns where it ended up.
    /// `maxRateWait` overrides the sender's bound for this one call (a test send waits longer than
    /// a webhook's auto-reply may).
    func deliver(_ reply: PendingReply, maxRateWait: Duration? = nil) async throws -> (
        status: ReplyStatus, credits: Int, providerMessageID: String?, errorCode: String?
    ) {
        let batchID = reply.batchID
        let metadata: Logger.Metadata = [
            "org_id": .id(reply.orgID), "campaign_id": reply.campaignID.map(Logger.MetadataValue.id) ?? "none",
            "reply_id": "\(reply.id)",
            "batch_id": "\(batchID)",
        ]
        let name = reply.kind.logName
        if reply.credits > 0 {
            do {
                _ = try await credits.reserve(
                    orgID: reply.orgID, campaignID: reply.campaignID, batchID: batchID, credits: reply.credits)
            } catch let error as EngineError where error.code == .insufficientCredits {
                try await store.failUnsent(reply, errorCode: error.code.rawValue)
                EngineMetrics.directMessage(kind: reply.kind, status: .failed)
                logger.info("\(name) not sent: insufficient credits", metadata: metadata)
                return (.failed, 0, nil, error.code.rawValue)
            }
        }
        let decision = try await limiter.reserve(
            orgID: reply.orgID, senderID: reply.senderID, segments: reply.segments, ratePerSecond: reply.senderMPS,
            maxWait: maxRateWait ?? self.maxRateWait, priority: reply.kind.isPriority)
        guard let reservation = decision.reservation else {
            logger.info("\(name) left pending: its number's rate budget is booked ahead", metadata: metadata)
            return (.pending, reply.credits, nil, nil)
        }
        try await Task.sleep(for: reservation.delay)
        guard try await store.claim(reply) else {
            logger.debug("\(name) claimed by another process", metadata: metadata)
            return (.sending, reply.credits, nil, nil)
        }
        // Replies and test sends bypass quiet hours (docs/product-rules.md#quiet-hours): the
        // contact wrote first, or the team asked for the test now. Its status comes back on the
        // replies' own callback path (ReplyStatusApplier).
        let outbound = OutboundMessage(
            id: reply.id, orgID: reply.orgID, from: PhoneNumber(trustedE164: reply.from),
            to: PhoneNumber(trustedE164: reply.to), body: reply.body, mediaURL: reply.mediaURL,
            statusCallbackURL: statusCallbackBase.map {
                StatusCallbackTarget.replyURL(base: $0, orgID: reply.orgID, replyID: reply.id)
            })
        let result = await carrier.send([outbound]).first ?? .failed(.connectionFailed)
        var status = ReplyStatus.sent
        var charged = reply.credits
        var action: RecordedMessage.ContactAction?
        var refund = false
        switch result {
        case .accepted:
            break
        case .failed(let error):
            switch error.disposition {
            case .retryBatchLater, .retryRow, .notSent:
                status = reply.attempt + 1 >= Self.maxAttempts ? .failed : .pending
            case .failRow(let markNotTextable, let optOut):
                status = .failed
                action = optOut ? .optOut : (markNotTextable ? .markNotTextable : nil)
            case .pauseCampaign, .contentFiltered:
                status = .failed
            case .settleLater:
                // The carrier may have the reply: never resent, its charge kept.
                status = .unknown
            }
            if !error.isCharged, !error.isAmbiguous, reply.credits > 0 {
                refund = true
                charged = 0
            }
        }
        // A reply going back to pending keeps its price: the next attempt charges it again under
        // its own batch id (this attempt's charge is refunded below).
        let recorded = try await store.record(
            reply, status: status, providerMessageID: result.providerMessageID, errorCode: result.error?.code,
            credits: status == .pending ? reply.credits : charged, contactAction: action)
        if refund {
            try await credits.refund(
                orgID: reply.orgID, campaignID: reply.campaignID, batchID: batchID,
                messages: [(messageID: reply.id, credits: reply.credits)])
        }
        logger.debug(
            "\(name) handed to the carrier",
            metadata: metadata.merging(
                [
                    "status": "\(status.rawValue)", "error_code": "\(result.error?.code ?? "")",
                    "recorded": "\(recorded)",
                ]
            ) { $1 })
        EngineMetrics.directMessage(kind: reply.kind, status: status)
        return (status, charged, result.providerMessageID, result.error?.code)
    }
}
