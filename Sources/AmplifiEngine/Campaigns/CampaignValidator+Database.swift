import AmplifiMessaging
public import AmplifiPostgres
public import Foundation

extension CampaignValidator {
    /// Everything the validation needs from the database, in ONE round-trip, whatever the
    /// number of fields: the org's zone and default number, whether the requested segment
    /// and number belong to this org (a row of another org is "not found", never a leak),
    /// whether the zone is in `time_zones` (the FK the INSERT will check), and the custom
    /// field keys the org's contacts carry. The keys query scans the org's contacts, which
    /// is acceptable at intake (once per campaign) and skipped when no template has `{{`.
    /// NULL parameters make the EXISTS probes false, which the validator ignores for
    /// fields that were not given.
    static func contextQuery(
        orgID: UUID, segmentID: UUID?, phoneNumberID: UUID?, timezone: String?, loadCustomKeys: Bool
    ) -> PostgresQuery {
        """
        SELECT o.timezone,
               (SELECT p.id FROM phone_numbers p WHERE p.org_id = o.id AND p.is_default) AS default_number,
               EXISTS (SELECT 1 FROM segments s WHERE s.org_id = o.id AND s.id = \(segmentID)::uuid
                             AND s.deleted_at IS NULL) AS segment_exists,
               EXISTS (SELECT 1 FROM phone_numbers p WHERE p.org_id = o.id AND p.id = \(phoneNumberID)::uuid) AS number_exists,
               EXISTS (SELECT 1 FROM time_zones z WHERE z.name = \(timezone)::text) AS timezone_known,
               CASE WHEN \(loadCustomKeys)::boolean
                    THEN ARRAY(SELECT DISTINCT jsonb_object_keys(c.custom_fields) FROM contacts c
                               WHERE c.org_id = o.id AND c.deleted_at IS NULL)
                    ELSE '{}'::text[] END AS custom_keys
        FROM organizations o
        WHERE o.id = \(orgID)
        """
    }

    /// Loads the ``CampaignValidationContext`` for `request` in organization `orgID`;
    /// throws `NOT_FOUND` (field `org`) when the organization does not exist.
    public static func loadContext(
        client: PostgresClient, orgID: UUID, request: CampaignRequest
    ) async throws -> CampaignValidationContext {
        try await client.withConnection { try await loadContext(connection: $0, orgID: orgID, request: request) }
    }

    /// ``loadContext(client:orgID:request:)`` on a given connection (e.g. inside a transaction).
    public static func loadContext(
        connection: PostgresConnection, orgID: UUID, request: CampaignRequest
    ) async throws -> CampaignValidationContext {
        let timezone = request.timezone?.trimmingCharacters(in: .whitespaces)
        let result = try await connection.query(
            contextQuery(
                orgID: orgID, segmentID: request.segmentID, phoneNumberID: request.fromPhoneNumberID,
                timezone: timezone?.isEmpty == false ? timezone : nil,
                loadCustomKeys: needsCustomFieldKeys(request)))
        guard let row = result.first else {
            throw EngineError(.notFound, "no organization \(orgID.uuidString.lowercased()); check --org", field: "org")
        }
        let (orgTimezone, defaultNumber, segmentExists, numberExists, timezoneKnown, keys) = try row.decode(
            (String, UUID?, Bool, Bool, Bool, [String]).self)
        return CampaignValidationContext(
            orgTimezone: orgTimezone, defaultPhoneNumberID: defaultNumber, segmentExists: segmentExists,
            phoneNumberExists: numberExists, timezoneKnown: timezone?.isEmpty == false ? timezoneKnown : nil,
            customFieldKeys: Set(keys))
    }
}
