import AmplifiMessaging
import Foundation

/// The one validation of a campaign body, shared by every entry point that creates or
/// promotes a campaign (CLI, HTTP API, demo). It returns every problem at once, each
/// naming its field.
///
/// Split in two: ``validate(_:mode:context:)`` is pure (no I/O) and decides everything from
/// the request and a ``CampaignValidationContext``; ``loadContext(client:orgID:request:)``
/// (in `CampaignValidator+Database.swift`) reads that context in one query.
public enum CampaignValidator {
    /// docs/product-rules.md#campaigns: up to 5 FAQ reply pairs.
    public static let maximumFAQReplies = 5

    /// Checks `request` against every rule and applies the organization's defaults.
    public static func validate(
        _ request: CampaignRequest, mode: CampaignIntakeMode, context: CampaignValidationContext
    ) -> Result<CampaignSpec, ValidationFailure> {
        var problems: [EngineError] = []
        func problem(_ field: String, _ message: String, code: AmplifiErrorCode = .validationFailed) {
            problems.append(EngineError(code, message, field: field))
        }
        let submitting = mode == .submit

        if mode == .draft, request.draftID != nil {
            problem(
                "draftId",
                "a draft is promoted by submitting it (without --draft / not to /draft); remove draftId to save a new draft"
            )
        }

        // name
        let name = request.name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if name.isEmpty { problem("name", "is required; give the campaign a display name") }

        // forceRoute and channel first: the body checks depend on the route.
        var forceRoute = ForceRoute.auto
        if let text = request.forceRoute {
            do { forceRoute = try ForceRoute(parsing: text) } catch { problem("forceRoute", error.message) }
        }
        var channel = CampaignChannel.text
        if let text = request.channel {
            if let parsed = CampaignChannel(parsing: text) {
                channel = parsed
            } else {
                problem("channel", "'\(text.prefix(32))' is not supported; text is the only channel")
            }
        }

        // mediaUrl: absent when blank; scheme lower-cased because the database checks ^https?://.
        var mediaURL: String?
        if let raw = request.mediaURL?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty {
            do {
                _ = try MessagePlanner.plan(body: "", mediaURL: raw)
                mediaURL = lowercasingScheme(raw)
            } catch {
                problem("mediaUrl", error.message)
            }
        }
        let normalizeText = request.normalizeText ?? true

        /// Merge fields and length of one template; `required` when a blank one is an error.
        func checkBody(_ text: String?, field: String, required: Bool, requiredMessage: String) {
            guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                if required { problem(field, requiredMessage) }
                return
            }
            do {
                _ = try MergeTemplate(parsing: text, customFieldKeys: context.customFieldKeys)
            } catch {
                problem(field, error.message)
            }
            var tooLong = false
            do {
                _ = try MessagePlanner.plan(
                    body: text, mediaURL: nil, forceRoute: forceRoute, normalizeText: normalizeText)
            } catch  where error.reason == .bodyTooLong {
                tooLong = true
                problem(field, error.message)
            } catch {
                // Empty body and media problems are reported by their own checks.
            }
            // The database counts characters (code points); normalization may shorten the text.
            if !tooLong, text.unicodeScalars.count > MessagePlanner.maximumBodyLength {
                problem(
                    field,
                    "message is \(text.unicodeScalars.count) characters long; the limit is \(MessagePlanner.maximumBodyLength), shorten it"
                )
            }
        }
        checkBody(
            request.message, field: "message", required: submitting,
            requiredMessage: "is required; write the message body")

        // Audience: a segment XOR a filter.
        var audience: CampaignAudience?
        switch (request.segmentID, request.contactFilter) {
        case (.some, .some):
            problem("contactFilter", "segmentId and contactFilter are mutually exclusive; give only one of them")
        case (nil, nil):
            if submitting { problem("segmentId", "an audience is required; give segmentId or contactFilter") }
        case (let segmentID?, nil):
            if context.segmentExists {
                audience = .segment(segmentID)
            } else {
                problem(
                    "segmentId", "no segment \(segmentID.uuidString.lowercased()) in this organization", code: .notFound
                )
            }
        case (nil, let json?):
            switch ContactFilter.parse(json: json, field: "contactFilter") {
            case .success(let filter): audience = .filter(filter)
            case .failure(let failure): problems.append(contentsOf: failure.problems)
            }
        }
        if case (let segmentID?, _?) = (request.segmentID, request.contactFilter), !context.segmentExists {
            problem(
                "segmentId", "no segment \(segmentID.uuidString.lowercased()) in this organization", code: .notFound)
        }

        // Sender.
        var fromPhoneNumberID: UUID?
        if let requested = request.fromPhoneNumberID {
            if context.phoneNumberExists {
                fromPhoneNumberID = requested
            } else {
                problem(
                    "fromPhoneNumberId", "no phone number \(requested.uuidString.lowercased()) in this organization",
                    code: .notFound)
            }
        } else if let fallback = context.defaultPhoneNumberID {
            fromPhoneNumberID = fallback
        } else if submitting {
            problem(
                "fromPhoneNumberId",
                "no fromPhoneNumberId given and the organization has no default number; pass fromPhoneNumberId or mark a number as default",
                code: .noFromNumber)
        }

        // Schedule.
        var scheduledFor: Date?
        if let text = request.scheduledFor, !text.trimmingCharacters(in: .whitespaces).isEmpty {
            switch UTCTimestamp.parse(text) {
            case .success(let date): scheduledFor = date
            case .failure(.notUTC):
                problem("scheduledFor", "must be in UTC; write it with a Z, e.g. 2026-05-01T14:00:00Z")
            case .failure(.malformed):
                problem(
                    "scheduledFor", "'\(text.prefix(40))' is not a UTC ISO-8601 timestamp such as 2026-05-01T14:00:00Z")
            }
        }

        // Time zone.
        var timezone = context.orgTimezone
        if let text = request.timezone?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            let known = context.timezoneKnown ?? (TimeZone(identifier: text) != nil)
            if known {
                timezone = text
            } else {
                problem(
                    "timezone", "'\(text.prefix(64))' is not an IANA time zone; use a name such as America/New_York",
                    code: .unknownTimezone)
            }
        }

        // A/B.
        let abTest = request.abTest ?? false
        checkBody(
            request.messageVariantA, field: "messageVariantA", required: abTest && submitting,
            requiredMessage: "is required when abTest is true; write variant A")
        checkBody(
            request.messageVariantB, field: "messageVariantB", required: abTest && submitting,
            requiredMessage: "is required when abTest is true; write variant B")

        // Auto replies.
        let autoReply = request.autoReply ?? false
        let faqReplies = request.faqReplies ?? []
        if faqReplies.count > maximumFAQReplies {
            problem("faqReplies", "has \(faqReplies.count) entries; at most \(maximumFAQReplies) are allowed")
        }
        for (index, reply) in faqReplies.enumerated() {
            if reply.question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problem("faqReplies[\(index)].question", "must not be empty")
            }
            if reply.answer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problem("faqReplies[\(index)].answer", "must not be empty")
            } else if reply.answer.utf16.count > MessagePlanner.maximumBodyLength {
                problem("faqReplies[\(index)].answer", "is longer than \(MessagePlanner.maximumBodyLength) characters")
            }
        }
        for (field, text) in [("yesResponse", request.yesResponse), ("noResponse", request.noResponse)] {
            if let text, text.utf16.count > MessagePlanner.maximumBodyLength {
                problem(field, "is longer than \(MessagePlanner.maximumBodyLength) characters")
            }
        }
        let hasReply = [request.yesResponse, request.noResponse].contains {
            !($0 ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        }
        if autoReply, submitting, !hasReply, faqReplies.isEmpty {
            problem("autoReply", "is true but no reply is configured; set yesResponse, noResponse or faqReplies")
        }

        guard problems.isEmpty else { return .failure(ValidationFailure(problems)) }
        return .success(
            CampaignSpec(
                name: name,
                message: request.message,
                audience: audience,
                fromPhoneNumberID: fromPhoneNumberID,
                scheduledFor: scheduledFor,
                timezone: timezone,
                mediaURL: mediaURL,
                forceRoute: forceRoute,
                channel: channel,
                normalizeText: normalizeText,
                abTest: abTest,
                messageVariantA: request.messageVariantA,
                messageVariantB: request.messageVariantB,
                autoReply: autoReply,
                yesResponse: request.yesResponse,
                noResponse: request.noResponse,
                faqReplies: faqReplies,
                draftID: request.draftID))
    }

    /// `HTTPS://x` → `https://x` (the database's check is case-sensitive).
    static func lowercasingScheme(_ url: String) -> String {
        guard let colon = url.firstIndex(of: ":") else { return url }
        return url[..<colon].lowercased() + url[colon...]
    }

    /// Whether any template of `request` may use a custom field (so the keys must be loaded).
    static func needsCustomFieldKeys(_ request: CampaignRequest) -> Bool {
        [request.message, request.messageVariantA, request.messageVariantB].contains { $0?.contains("{{") ?? false }
    }
}
