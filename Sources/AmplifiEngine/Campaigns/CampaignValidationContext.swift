public import Foundation

/// What the validation needs to know about the organization (loaded in one query by
/// ``CampaignValidator/loadContext(client:orgID:request:)``, or built by hand in tests).
public struct CampaignValidationContext: Sendable, Equatable {
    /// The organization's time zone (the default for `timezone`).
    public var orgTimezone: String
    /// The organization's default sending number, if it has one.
    public var defaultPhoneNumberID: UUID?
    /// Whether the requested `segmentId` exists in this organization (ignored when none was given).
    public var segmentExists: Bool
    /// Whether the requested `fromPhoneNumberId` exists in this organization (ignored when none was given).
    public var phoneNumberExists: Bool
    /// Whether the requested `timezone` is in the database's `time_zones`; nil = not checked
    /// (the pure validation then asks Foundation's `TimeZone(identifier:)`).
    public var timezoneKnown: Bool?
    /// The custom field keys the organization's contacts carry (allowed merge fields).
    public var customFieldKeys: Set<String>

    /// Creates a context.
    public init(
        orgTimezone: String = "America/New_York", defaultPhoneNumberID: UUID? = nil, segmentExists: Bool = true,
        phoneNumberExists: Bool = true, timezoneKnown: Bool? = nil, customFieldKeys: Set<String> = []
    ) {
        self.orgTimezone = orgTimezone
        self.defaultPhoneNumberID = defaultPhoneNumberID
        self.segmentExists = segmentExists
        self.phoneNumberExists = phoneNumberExists
        self.timezoneKnown = timezoneKnown
        self.customFieldKeys = customFieldKeys
    }
}
