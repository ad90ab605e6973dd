/// Picks the timezone that governs quiet hours for a recipient: contact's, else campaign's, else organization's.
public enum RecipientTimeZone {
    /// Where the chosen timezone came from.
    public enum Source: String, Sendable, Hashable, CaseIterable {
        /// The contact's own timezone.
        case contact
        /// The campaign's timezone.
        case campaign
        /// The organization's timezone.
        case organization
    }

    /// The first non-blank identifier among contact, campaign and organization (trimmed), with its source.
    public static func identifier(
        contact: String?, campaign: String?, organization: String?
    ) -> (identifier: String, source: Source)? {
        for (value, source) in [(contact, Source.contact), (campaign, .campaign), (organization, .organization)] {
            if let value {
                let trimmed = value.trimmingWhitespace()
                if !trimmed.isEmpty { return (String(trimmed), source) }
            }
        }
        return nil
    }

    /// The quiet-hours window for a recipient; throws for a missing or unknown timezone, naming whose it is.
    ///
    /// An unknown identifier is an error, not a silent fall-back to the next level: a typo
    /// in a contact's zone must be fixed rather than risk sending at the wrong local time.
    public static func window(
        contact: String?, campaign: String?, organization: String?,
        state: String? = nil,
        policy: QuietHoursPolicy = QuietHoursPolicy(),
        cache: TimeZoneCache = .shared
    ) throws(QuietHoursError) -> QuietHoursWindow {
        guard let (identifier, source) = identifier(contact: contact, campaign: campaign, organization: organization)
        else {
            throw QuietHoursError(.missingTimezone, field: "timezone")
        }
        do {
            return try QuietHoursWindow(timeZoneIdentifier: identifier, state: state, policy: policy, cache: cache)
        } catch  where error.reason == .unknownTimezone {
            throw QuietHoursError(.unknownTimezone, detail: error.detail, field: "\(source.rawValue).timezone")
        }
    }
}
