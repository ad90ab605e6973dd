public import AmplifiCarriers
public import AmplifiPostgres
public import Foundation
public import Logging

/// Applies a carrier status report to one `reply_messages` row (an auto-reply, a test send, the
/// team's reply), named by its callback URL (`…/twilio/status/replies/<org id>/<reply id>`).
///
/// The rules of campaign messages (``MessageDeliveryState``): a row moves forward only
/// (`sent` → `delivered` / `undelivered` / `failed`; finals never change), an `unknown` row (its
/// process died before recording the carrier's answer) is settled by any report for it, and a row
/// whose recorded sid differs from the report's is never touched. Replies are few, so each report
/// is one statement, not a batch. A report that beats the row's own record (the row is still
/// `sending`) is tried again for a short while: the record follows the carrier's answer within
/// milliseconds.
public struct ReplyStatusApplier: Sendable {
    /// What a report did.
    public enum Outcome: String, Sendable {
        /// The row moved forward.
        case applied
        /// Nothing to do: the row is already there or beyond (a duplicate or an older report).
        case unchanged
        /// The row's sid is not the report's.
        case mismatched
        /// No such reply in the organization.
        case notFound
        /// The row is still being sent and its record did not come in time.
        case notRecorded
    }

    let client: PostgresClient
    let logger: Logger
    /// How long a report that beat the row's record waits for it.
    let recordWait: Duration

    /// An applier writing through `client`.
    public init(client: PostgresClient, logger: Logger, recordWait: Duration = .seconds(2)) {
        self.client = client
        self.logger = logger
        self.recordWait = recordWait
    }

    // One statement: the row as it is (to tell the outcomes apart) and the guarded update. The
    // ranks are MessageDeliveryState's: unknown 0, sent 1, failed 2, undelivered 3, delivered 4.
    static func applyQuery(orgID: UUID, replyID: Int64, target: MessageDeliveryState, report: CarrierStatusReport)
        -> PostgresQuery
    {
        let sid = report.providerMessageID.isEmpty ? nil : report.providerMessageID
        return """
            WITH current AS (
                SELECT status, provider_message_id FROM reply_messages WHERE org_id = \(orgID) AND id = \(replyID)
            ), moved AS (
                UPDATE reply_messages r
                SET status = \(target.rawValue),
                    error_code = CASE WHEN $3 IN ('failed', 'undelivered')
                                      THEN coalesce(\(report.error?.code)::text, r.error_code, 'CARRIER_FAILED')
                                      ELSE r.error_code END,
                    provider_message_id = coalesce(r.provider_message_id, \(sid)::text),
                    sent_at = coalesce(r.sent_at, now()), status_updated_at = now(), updated_at = now()
                WHERE r.org_id = $1 AND r.id = $2 AND r.status IN ('unknown', 'sent')
                  AND (r.provider_message_id IS NULL OR $5::text IS NULL OR r.provider_message_id = $5::text)
                  AND (CASE r.status WHEN 'unknown' THEN 0 ELSE 1 END) < \(target.rank)
                RETURNING r.id
            )
            SELECT (SELECT status FROM current) AS status, (SELECT provider_message_id FROM current) AS sid,
                   (SELECT count(*) FROM moved)::int AS moved
            """
    }

    /// Applies `report` to the reply `replyID` of `orgID`.
    public func apply(orgID: UUID, replyID: Int64, report: CarrierStatusReport) async throws -> Outcome {
        guard let target = MessageDeliveryState(carrierStatus: report.status) else { return .unchanged }
        let deadline = ContinuousClock.now + recordWait
        while true {
            let row = try await client.query(
                Self.applyQuery(orgID: orgID, replyID: replyID, target: target, report: report))[0]
            let status = try row.decode(ReplyStatus?.self, named: "status")
            let recorded = try row.decode(String?.self, named: "sid")
            if try row.decode(Int.self, named: "moved") > 0 { return .applied }
            guard let status else { return .notFound }
            if let recorded, !report.providerMessageID.isEmpty, recorded != report.providerMessageID {
                return .mismatched
            }
            guard status == .pending || status == .sending else { return .unchanged }
            guard ContinuousClock.now < deadline else {
                logger.warning(
                    "reply status report came before the reply was recorded; dropped",
                    metadata: ["org_id": .id(orgID), "reply_id": "\(replyID)", "status": "\(report.status.rawValue)"])
                return .notRecorded
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

extension ReplyStatus: PostgresDecodable {}
