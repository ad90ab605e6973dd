public import Foundation
public import Logging

/// The project's logging convention, in one place: ids go under fixed keys (`org_id`,
/// `campaign_id`, `chunk`, `claim_id`, `batch_id`, `message_id`, `sender_id`) and UUIDs are
/// written in lowercase, so every line of every role can be searched the same way. Lines carry ids
/// and counts only — never phone numbers or message bodies.
extension Logger.MetadataValue {
    /// A UUID as the convention writes it (lowercase).
    public static func id(_ uuid: UUID) -> Logger.MetadataValue {
        .string(uuid.uuidString.lowercased())
    }
}
