import AmplifiMessaging
import AmplifiPostgres
public import Foundation

/// A contact's campaign history (`GET /api/contacts/{id}/messages`, read by
/// ``ContactStore/history(orgID:contactID:limit:cursor:)``): one entry per campaign that planned
/// the contact, newest first, with what happened to the message.
public enum ContactHistory {
    /// One campaign's message to the contact.
    public struct Entry: Sendable, Equatable, Encodable {
        public var campaignID: UUID
        public var campaignName: String
        /// The row's status (`pending`, `sent`, `delivered`, `skipped`, `failed`, …).
        public var status: MessageStatus
        /// `A`, `B` or `main` in an A/B campaign.
        public var variant: MessageVariant?
        /// Why the contact was skipped, when it was.
        public var skipReason: SkipReason?
        /// The carrier's error code, when it refused.
        public var errorCode: String?
        /// The text as sent (nil before sending, and after the contact's data was deleted).
        public var body: String?
        public var credits: Int?
        public var sentAt: Date?
        public var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case campaignID = "campaignId"
            case campaignName, status, variant, skipReason, errorCode, body, credits, sentAt, createdAt
        }

        /// Absent values as null; the id in lower case, timestamps as UTC ISO 8601.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(campaignID.uuidString.lowercased(), forKey: .campaignID)
            try container.encode(campaignName, forKey: .campaignName)
            try container.encode(status, forKey: .status)
            try container.encode(variant, forKey: .variant)
            try container.encode(skipReason, forKey: .skipReason)
            try container.encode(errorCode, forKey: .errorCode)
            try container.encode(body, forKey: .body)
            try container.encode(credits, forKey: .credits)
            try container.encode(sentAt.map(UTCTimestamp.format), forKey: .sentAt)
            try container.encode(UTCTimestamp.format(createdAt), forKey: .createdAt)
        }
    }

    // Newest first through campaign_messages_contact_idx (org_id, contact_id, created_at); a
    // contact has one row per campaign, so (created_at, campaign_id) orders the rows strictly.
    static func pageQuery(orgID: UUID, contactID: UUID, after: KeysetCursor?, limit: Int) -> PostgresQuery {
        """
        SELECT m.campaign_id, c.name, m.status, m.variant, m.skip_reason, m.error_code, m.body, m.credits,
               m.sent_at, m.created_at, m.created_at::text AS cursor
        FROM campaign_messages m
        JOIN campaigns c ON c.org_id = m.org_id AND c.id = m.campaign_id
        WHERE m.org_id = \(orgID) AND m.contact_id = \(contactID)
          AND (\(after?.timestamp)::timestamptz IS NULL
               OR (m.created_at, m.campaign_id) < (\(after?.timestamp)::timestamptz, \(after?.id)::uuid))
        ORDER BY m.created_at DESC, m.campaign_id DESC LIMIT \(limit)
        """
    }

    static func decode(_ row: PostgresRow) throws -> Entry {
        Entry(
            campaignID: try row.decode(named: "campaign_id"), campaignName: try row.decode(named: "name"),
            status: try row.decode(named: "status"), variant: try row.decode(named: "variant"),
            skipReason: try row.decode(named: "skip_reason"), errorCode: try row.decode(named: "error_code"),
            body: try row.decode(named: "body"), credits: try row.decode(named: "credits"),
            sentAt: try row.decode(named: "sent_at"), createdAt: try row.decode(named: "created_at"))
    }
}
