public import AmplifiMessaging
public import AmplifiPostgres
public import Foundation
public import Logging

/// Campaign intake and status changes in Postgres: create (or save a draft), promote a
/// draft in place, fetch, list, and guarded lifecycle transitions. Every statement filters
/// by `org_id`; every write is one statement.
public struct CampaignStore: Sendable {
    /// The database this store reads and writes.
    public let client: PostgresClient
    let logger: Logger

    /// A store over `client`; logs carry campaign and org ids, never bodies or phone numbers.
    public init(client: PostgresClient, logger: Logger = Logger(label: "amplifi.campaigns")) {
        self.client = client
        self.logger = logger
    }

    // MARK: - SQL

    /// Every column a `Campaign` needs, in one list shared by INSERT/UPDATE … RETURNING and
    /// SELECT so the three can never drift apart. `created_at::text` is the exact keyset
    /// cursor value (a Double `Date` would lose microseconds and skip or repeat rows).
    static let columns = """
        id, org_id, name, message, segment_id, contact_filter::text AS contact_filter, from_phone_number_id,
        scheduled_for, timezone, media_url, force_route, channel, normalize_text, ab_test,
        message_variant_a, message_variant_b, EXTRACT(EPOCH FROM ab_decide_after)::bigint AS ab_decide_after_seconds,
        ab_winner, ab_decided_at, auto_reply, yes_response, no_response, faq_replies::text AS faq_replies,
        status, status_reason, status_changed_at, audience_count, skipped_count, queued_count, sent_count,
        failed_count, delivered_count, undelivered_count, reply_count, opt_out_count, credits_used,
        started_at, completed_at, created_at, updated_at, created_at::text AS cursor_created_at
        """

    /// The whole campaign row in ONE INSERT: defaults (sender, zone) were resolved by the
    /// validation, and the table's CHECKs and composite FKs are the last line of defence
    /// (a segment deleted between validation and insert fails here, never silently).
    static func insertQuery(orgID: UUID, spec: CampaignSpec, status: CampaignStatus) throws -> PostgresQuery {
        let values = try Values(spec)
        return """
            INSERT INTO campaigns (
                org_id, name, message, segment_id, contact_filter, from_phone_number_id, scheduled_for, timezone,
                media_url, force_route, channel, normalize_text, ab_test, message_variant_a, message_variant_b,
                auto_reply, yes_response, no_response, faq_replies, status)
            VALUES (
                \(orgID), \(spec.name), \(spec.message), \(values.segmentID)::uuid, \(values.filter)::jsonb,
                \(spec.fromPhoneNumberID)::uuid, \(spec.scheduledFor)::timestamptz, \(spec.timezone), \(spec.mediaURL),
                \(spec.forceRoute.rawValue), \(spec.channel.rawValue), \(spec.normalizeText), \(spec.abTest),
                \(spec.messageVariantA), \(spec.messageVariantB), \(spec.autoReply), \(spec.yesResponse),
                \(spec.noResponse), \(values.faqs)::jsonb, \(status.rawValue))
            RETURNING \(unescaped: columns)
            """
    }

    /// Promotes a draft in place: every field rewritten from the fully validated spec, and the
    /// status changed in the SAME guarded statement (`status = 'draft'`), so a draft promoted
    /// twice concurrently is promoted once and the loser learns it.
    static func promoteQuery(orgID: UUID, draftID: UUID, spec: CampaignSpec, status: CampaignStatus) throws
        -> PostgresQuery
    {
        let values = try Values(spec)
        return """
            UPDATE campaigns SET
                name = \(spec.name), message = \(spec.message), segment_id = \(values.segmentID)::uuid,
                contact_filter = \(values.filter)::jsonb, from_phone_number_id = \(spec.fromPhoneNumberID)::uuid,
                scheduled_for = \(spec.scheduledFor)::timestamptz, timezone = \(spec.timezone),
                media_url = \(spec.mediaURL), force_route = \(spec.forceRoute.rawValue), channel = \(spec.channel.rawValue),
                normalize_text = \(spec.normalizeText), ab_test = \(spec.abTest),
                message_variant_a = \(spec.messageVariantA), message_variant_b = \(spec.messageVariantB),
                auto_reply = \(spec.autoReply), yes_response = \(spec.yesResponse), no_response = \(spec.noResponse),
                faq_replies = \(values.faqs)::jsonb, status = \(status.rawValue), status_reason = NULL
            WHERE id = \(draftID) AND org_id = \(orgID) AND status = \(CampaignStatus.draft.rawValue)
            RETURNING \(unescaped: columns)
            """
    }

    /// The one guarded statement of every lifecycle transition: it changes the row only if the
    /// current status may move to `to` (`CampaignLifecycle.allowedSources`). Two racing callers
    /// serialize on the row lock; the second re-reads the row (READ COMMITTED re-check), finds the
    /// status already changed, and updates nothing. started_at/completed_at ride along. `from`
    /// narrows the sources further (e.g. only a `queued` campaign may fail its planning).
    static func transitionQuery(
        campaignID: UUID, orgID: UUID, to: CampaignStatus, reason: String?, from: Set<CampaignStatus>? = nil
    ) -> PostgresQuery {
        let allowed = CampaignLifecycle.allowedSources(to: to).filter { from?.contains($0) ?? true }.map(\.rawValue)
        return """
            UPDATE campaigns SET
                status = \(to.rawValue), status_reason = \(reason),
                started_at = CASE WHEN \(to.rawValue) = 'sending' THEN COALESCE(started_at, now()) ELSE started_at END,
                completed_at = CASE WHEN \(to.rawValue) = 'completed' THEN now() ELSE completed_at END
            WHERE id = \(campaignID) AND org_id = \(orgID) AND status = ANY(\(allowed)::text[])
            """
    }

    /// Only on the losing path of a transition: what the status is now, for the error message.
    static func statusQuery(campaignID: UUID, orgID: UUID) -> PostgresQuery {
        "SELECT status FROM campaigns WHERE id = \(campaignID) AND org_id = \(orgID)"
    }

    /// One campaign by (org, id): the primary key probe, org-checked.
    static func fetchQuery(campaignID: UUID, orgID: UUID) -> PostgresQuery {
        "SELECT \(unescaped: columns) FROM campaigns WHERE id = \(campaignID) AND org_id = \(orgID)"
    }

    /// First page, newest first. Keyset (created_at, id) rather than OFFSET, so page n costs
    /// the same as page 1 and rows inserted meanwhile never shift the pages.
    static func firstPageQuery(orgID: UUID, status: CampaignStatus? = nil, limit: Int) -> PostgresQuery {
        """
        SELECT \(unescaped: columns) FROM campaigns
        WHERE org_id = \(orgID) AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
        ORDER BY created_at DESC, id DESC LIMIT \(limit)
        """
    }

    /// Next page: strictly after the last row seen, compared as a row value on the exact
    /// timestamp text of the cursor.
    static func nextPageQuery(
        orgID: UUID, status: CampaignStatus? = nil, createdAt: String, id: String, limit: Int
    ) -> PostgresQuery {
        """
        SELECT \(unescaped: columns) FROM campaigns
        WHERE org_id = \(orgID) AND (created_at, id) < (\(createdAt)::timestamptz, \(id)::uuid)
          AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
        ORDER BY created_at DESC, id DESC LIMIT \(limit)
        """
    }

    // The sender (the campaign's own number, else the org's default) and the rows not yet handed to
    // the carrier, counted through the partial index over unfinished rows (campaign_messages_open_idx).
    static func detailQuery(campaignID: UUID, orgID: UUID) -> PostgresQuery {
        """
        SELECT p.id, p.org_id, p.e164, p.is_default, p.mps::text, p.kind,
               (SELECT count(*) FROM campaign_messages m
                WHERE m.org_id = c.org_id AND m.campaign_id = c.id
                  AND m.status IN ('pending', 'deferred', 'held', 'sending'))::bigint AS queued
        FROM campaigns c
        LEFT JOIN phone_numbers p ON p.org_id = c.org_id AND p.id = coalesce(c.from_phone_number_id,
            (SELECT d.id FROM phone_numbers d WHERE d.org_id = c.org_id AND d.is_default ORDER BY d.created_at LIMIT 1))
        WHERE c.org_id = \(orgID) AND c.id = \(campaignID)
        """
    }

    /// The org of a campaign, for the ops CLI's `show ID` (an operator who knows only the id).
    /// The one query not filtered by org_id: it is how the org is learned; everything after it is.
    static func orgQuery(campaignID: UUID) -> PostgresQuery {
        "SELECT org_id FROM campaigns WHERE id = \(campaignID)"
    }

    /// Bind values derived from the spec.
    struct Values {
        var segmentID: UUID?
        var filter: String?
        var faqs: PostgresJSON

        /// Derives the audience columns and the FAQ JSON.
        init(_ spec: CampaignSpec) throws {
            switch spec.audience {
            case .segment(let id)?: segmentID = id
            case .filter(let filter)?: self.filter = filter.jsonText
            case nil: break
            }
            faqs = try PostgresJSON(encoding: spec.faqReplies)
        }
    }

    // MARK: - Intake

    /// Creates a campaign from a raw JSON body (or promotes the draft it names), reporting
    /// wrong JSON types and rule violations together in one `ValidationFailure`.
    public func create(orgID: UUID, json: Data, mode: CampaignIntakeMode, now: Date = Date()) async throws -> Campaign {
        let (request, problems) = CampaignRequest.parseCollectingProblems(json: json)
        if problems.first?.field == "body" { throw ValidationFailure(problems) }
        return try await create(orgID: orgID, request: request, mode: mode, now: now, parseProblems: problems)
    }

    /// Creates a campaign (status `draft`, `scheduled` or `pending`), or promotes
    /// `request.draftID` in place when submitting. Invalid input writes nothing and throws a
    /// `ValidationFailure` listing every problem.
    public func create(
        orgID: UUID, request: CampaignRequest, mode: CampaignIntakeMode, now: Date = Date()
    ) async throws -> Campaign {
        try await create(orgID: orgID, request: request, mode: mode, now: now, parseProblems: [])
    }

    /// Intake proper: promotion (locked draft) or creation, then the success log.
    private func create(
        orgID: UUID, request: CampaignRequest, mode: CampaignIntakeMode, now: Date, parseProblems: [EngineError]
    ) async throws -> Campaign {
        let campaign = try await client.withConnection { connection in
            if mode == .submit, let draftID = request.draftID {
                return try await rewriteDraft(
                    connection, orgID: orgID, draftID: draftID, request: request, mode: mode, now: now,
                    parseProblems: parseProblems, field: "draftId")
            }
            return try await write(
                connection, orgID: orgID, request: request, mode: mode, now: now, parseProblems: parseProblems)
        }
        logger.info(
            "campaign \(request.draftID == nil || mode == .draft ? "created" : "promoted")",
            metadata: [
                "campaign_id": .id(campaign.id), "org_id": .id(orgID),
                "status": "\(campaign.status.rawValue)",
            ])
        return campaign
    }

    /// Updates a draft from a JSON body holding only the fields to change (`PATCH
    /// /api/campaigns/{id}`): the same validation as a draft's creation, on the merged result. A
    /// campaign that is no longer a draft is refused (`VALIDATION_FAILED` on `status`).
    public func updateDraft(orgID: UUID, campaignID: UUID, json: Data, now: Date = Date()) async throws -> Campaign {
        let (request, problems) = CampaignRequest.parseCollectingProblems(json: json)
        if problems.first?.field == "body" { throw ValidationFailure(problems) }
        let campaign = try await client.withConnection { connection in
            try await rewriteDraft(
                connection, orgID: orgID, draftID: campaignID, request: request, mode: .draft, now: now,
                parseProblems: problems, field: nil)
        }
        logger.info("draft updated", metadata: ["campaign_id": .id(campaign.id), "org_id": .id(orgID)])
        return campaign
    }

    // Promotion (submit) and draft updates read the draft, validate the merged result and rewrite it.
    // The draft row stays locked (FOR UPDATE) from read to write, so an edit made meanwhile can't be
    // silently overwritten with values validated against the old draft. `field` names the request
    // field that pointed at the draft (`draftId`); nil when the draft is the addressed resource.
    private func rewriteDraft(
        _ connection: PostgresConnection, orgID: UUID, draftID: UUID, request: CampaignRequest,
        mode: CampaignIntakeMode, now: Date, parseProblems: [EngineError], field: String?
    ) async throws -> Campaign {
        try await connection.withTransaction { connection in
            let id = draftID.uuidString.lowercased()
            guard let draft = try await Self.fetch(connection, campaignID: draftID, orgID: orgID, lock: true) else {
                throw EngineError(
                    .notFound, "no \(field == nil ? "" : "draft ")campaign \(id) in this organization", field: field)
            }
            guard draft.status == .draft else {
                throw field == nil
                    ? ValidationFailure([
                        EngineError(
                            .validationFailed, "is \(draft.status.rawValue): only a draft can be updated",
                            field: "status")
                    ])
                    : EngineError(
                        .invalidTransition,
                        "campaign \(id) is \(draft.status.rawValue), not a draft; only drafts can be promoted",
                        field: field)
            }
            return try await write(
                connection, orgID: orgID, request: request.overlaying(draft.asRequest), mode: mode, now: now,
                parseProblems: parseProblems, rewriting: draftID)
        }
    }

    /// Validates `request` in full (one context query) and writes it in one statement.
    /// `rewriting` names the draft row to write over (a promotion or a draft update); nil inserts.
    private func write(
        _ connection: PostgresConnection, orgID: UUID, request: CampaignRequest, mode: CampaignIntakeMode, now: Date,
        parseProblems: [EngineError], rewriting: UUID? = nil
    ) async throws -> Campaign {
        let context = try await CampaignValidator.loadContext(connection: connection, orgID: orgID, request: request)
        let spec: CampaignSpec
        switch CampaignValidator.validate(request, mode: mode, context: context) {
        case .success(let valid) where parseProblems.isEmpty:
            spec = valid
        case .success:
            throw ValidationFailure(parseProblems)
        case .failure(let failure):
            throw ValidationFailure(parseProblems + failure.problems)
        }
        let status = spec.initialStatus(mode: mode, now: now)
        let result: PostgresResult
        do {
            if let draftID = rewriting ?? spec.draftID {
                result = try await connection.query(
                    Self.promoteQuery(orgID: orgID, draftID: draftID, spec: spec, status: status))
            } else {
                result = try await connection.query(Self.insertQuery(orgID: orgID, spec: spec, status: status))
            }
        } catch let error as PostgresError {
            throw Self.intakeError(error)
        }
        guard let row = result.first else {
            // Unreachable while the draft is locked; kept so a change of locking can't return garbage.
            throw EngineError(.conflict, "the draft changed while it was being promoted; try again", field: "draftId")
        }
        return try Self.decodeCampaign(row)
    }

    /// Constraint violations the validation could not foresee (a concurrent delete), as field errors.
    static func intakeError(_ error: PostgresError) -> any Error {
        switch error.constraint {
        case "campaigns_segment_fkey":
            return ValidationFailure([
                EngineError(.notFound, "the segment no longer exists in this organization", field: "segmentId")
            ])
        case "campaigns_from_phone_number_fkey":
            return ValidationFailure([
                EngineError(
                    .notFound, "the phone number no longer exists in this organization", field: "fromPhoneNumberId")
            ])
        case "campaigns_timezone_fkey":
            return ValidationFailure([
                EngineError(.unknownTimezone, "is not a time zone the database knows", field: "timezone")
            ])
        case "campaigns_org_id_fkey":
            return EngineError(.notFound, "no such organization; check --org", field: "org")
        default:
            return error
        }
    }

    // MARK: - Reading

    /// One campaign with every field and counter; nil when it is not in this organization.
    public func fetch(campaignID: UUID, orgID: UUID) async throws -> Campaign? {
        try await client.withConnection { try await Self.fetch($0, campaignID: campaignID, orgID: orgID, lock: false) }
    }

    /// One campaign on `connection`; `lock` adds FOR UPDATE (promotion holds the draft).
    static func fetch(_ connection: PostgresConnection, campaignID: UUID, orgID: UUID, lock: Bool) async throws
        -> Campaign?
    {
        var query = fetchQuery(campaignID: campaignID, orgID: orgID)
        if lock { query.sql += " FOR UPDATE" }
        guard let row = try await connection.query(query).first else { return nil }
        return try decodeCampaign(row)
    }

    /// The campaign with its sender number and display metrics; nil when the organization has no such campaign.
    public func detail(campaignID: UUID, orgID: UUID) async throws -> CampaignDetail? {
        guard let campaign = try await fetch(campaignID: campaignID, orgID: orgID),
            let row = try await client.query(Self.detailQuery(campaignID: campaignID, orgID: orgID)).first
        else { return nil }
        let phoneNumber = try row.decode(UUID?.self, at: 0) == nil ? nil : try PhoneNumberStore.decode(row)
        return CampaignDetail(
            campaign: campaign, phoneNumber: phoneNumber,
            metrics: .init(counters: campaign.counters, queued: try row.decode(Int64.self, named: "queued")))
    }

    /// The organization a campaign belongs to (for tools that get only a campaign id).
    public func orgID(ofCampaign campaignID: UUID) async throws -> UUID? {
        try await client.query(Self.orgQuery(campaignID: campaignID)).first?.decode(UUID.self, at: 0)
    }

    /// A page of the organization's campaigns (only those in `status` when given), newest first;
    /// pass `nextCursor` back for the next.
    public func list(
        orgID: UUID, status: CampaignStatus? = nil, limit: Int = 50, cursor: String? = nil
    ) async throws -> CampaignPage {
        let limit = max(1, min(limit, 500))
        let query: PostgresQuery
        if let cursor {
            let after = try KeysetCursor(parsing: cursor)
            query = Self.nextPageQuery(
                orgID: orgID, status: status, createdAt: after.timestamp, id: after.id, limit: limit + 1)
        } else {
            query = Self.firstPageQuery(orgID: orgID, status: status, limit: limit + 1)
        }
        let result = try await client.query(query)
        var campaigns: [Campaign] = []
        var lastCursor: String?
        for row in result.prefix(limit) {
            campaigns.append(try Self.decodeCampaign(row))
            lastCursor =
                KeysetCursor(
                    timestamp: try row.decode(String.self, named: "cursor_created_at"),
                    id: campaigns[campaigns.count - 1].id
                ).text
        }
        return CampaignPage(campaigns: campaigns, nextCursor: result.count > limit ? lastCursor : nil)
    }

    // MARK: - Lifecycle

    /// Moves the campaign to `to` in ONE guarded statement; `.won` for exactly one of any number of
    /// racing callers. A loser gets `.lost(current:)` (see ``CampaignTransitionOutcome/error(campaignID:to:)``
    /// for the `INVALID_TRANSITION` error) or `.notFound`.
    /// `from` narrows the statuses it may leave (default: every source the lifecycle allows).
    public func transition(
        campaignID: UUID, orgID: UUID, to: CampaignStatus, reason: String? = nil, from: Set<CampaignStatus>? = nil
    ) async throws -> CampaignTransitionOutcome {
        let result = try await client.query(
            Self.transitionQuery(campaignID: campaignID, orgID: orgID, to: to, reason: reason, from: from))
        if result.affectedRows == 1 {
            logger.info(
                "campaign status changed",
                metadata: [
                    "campaign_id": .id(campaignID),
                    "org_id": .id(orgID),
                    "status": "\(to.rawValue)",
                ])
            return .won
        }
        return try await lostOutcome(campaignID: campaignID, orgID: orgID)
    }

    /// ``transition(campaignID:orgID:to:reason:)`` that throws `INVALID_TRANSITION` (naming the
    /// current status) or `NOT_FOUND` when it loses.
    public func requireTransition(campaignID: UUID, orgID: UUID, to: CampaignStatus, reason: String? = nil) async throws
    {
        let outcome = try await transition(campaignID: campaignID, orgID: orgID, to: to, reason: reason)
        if let error = outcome.error(campaignID: campaignID, to: to) { throw error }
    }

    /// Why a guarded UPDATE changed nothing: the status now, or the row is not in this org.
    private func lostOutcome(campaignID: UUID, orgID: UUID) async throws -> CampaignTransitionOutcome {
        guard let row = try await client.query(Self.statusQuery(campaignID: campaignID, orgID: orgID)).first else {
            return .notFound
        }
        let text = try row.decode(String.self, at: 0)
        guard let status = CampaignStatus(rawValue: text) else { return .notFound }
        return .lost(current: status)
    }

    // MARK: - Decoding

    /// A `Campaign` from a row selected with ``columns``.
    static func decodeCampaign(_ row: PostgresRow) throws -> Campaign {
        func column<Value: PostgresDecodable>(_ name: String, _ type: Value.Type = Value.self) throws -> Value {
            try row.decode(Value.self, named: name)
        }
        // A stored filter that no longer parses (the filter language changed) must not make the campaign
        // unreadable: `campaign show` has to print the `planning_failed` reason it caused. It reads as nil.
        let filterText: String? = try column("contact_filter")
        let filter = filterText.flatMap { try? ContactFilter.parse(json: Data($0.utf8)).get() }
        let faqText: String = try column("faq_replies")
        let faqs = try JSONDecoder().decode([FAQReply].self, from: Data(faqText.utf8))
        let statusText: String = try column("status")
        let routeText: String = try column("force_route")
        var counters = CampaignCounters()
        counters.audience = try column("audience_count")
        counters.skipped = try column("skipped_count")
        counters.queued = try column("queued_count")
        counters.sent = try column("sent_count")
        counters.failed = try column("failed_count")
        counters.delivered = try column("delivered_count")
        counters.undelivered = try column("undelivered_count")
        counters.replies = try column("reply_count")
        counters.optOuts = try column("opt_out_count")
        counters.creditsUsed = try column("credits_used")
        return Campaign(
            id: try column("id"),
            orgID: try column("org_id"),
            name: try column("name"),
            message: try column("message"),
            segmentID: try column("segment_id"),
            contactFilter: filter,
            fromPhoneNumberID: try column("from_phone_number_id"),
            scheduledFor: try column("scheduled_for"),
            timezone: try column("timezone"),
            mediaURL: try column("media_url"),
            forceRoute: ForceRoute(rawValue: routeText) ?? .auto,
            channel: try column("channel"),
            normalizeText: try column("normalize_text"),
            abTest: try column("ab_test"),
            messageVariantA: try column("message_variant_a"),
            messageVariantB: try column("message_variant_b"),
            abDecideAfterSeconds: try column("ab_decide_after_seconds"),
            abWinner: try column("ab_winner"),
            abDecidedAt: try column("ab_decided_at"),
            autoReply: try column("auto_reply"),
            yesResponse: try column("yes_response"),
            noResponse: try column("no_response"),
            faqReplies: faqs,
            status: CampaignStatus(rawValue: statusText) ?? .failed,
            statusReason: try column("status_reason"),
            statusChangedAt: try column("status_changed_at"),
            counters: counters,
            startedAt: try column("started_at"),
            completedAt: try column("completed_at"),
            createdAt: try column("created_at"),
            updatedAt: try column("updated_at"))
    }
}
