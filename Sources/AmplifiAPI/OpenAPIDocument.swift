import AmplifiEngine
public import Foundation

/// The API's OpenAPI 3.1 description, served at `GET /openapi.json` (no key needed). Tests hold it
/// to the server: every route the router has is described here and nothing else
/// (`APIContractTests`), and every answer the API gave in the HTTP tests has a status and a body
/// shape this document lists.
public enum OpenAPIDocument {
    /// One documented operation: method, path (OpenAPI form, `{id}`), scope and answers.
    struct Operation {
        var method: String
        var path: String
        var summary: String
        var scope: APIScope?
        var success: Int
        var successSchema: String
        var errors: [Int]
        var requestBody: String? = nil
        /// Whether the body must be sent (POSTs that create something).
        var bodyRequired = false
        var query: [String] = []
        /// Other success statuses with the same body (a merge answers 200 where a create is 201).
        var otherSuccess: [Int] = []
    }

    /// Error statuses every authenticated operation may answer.
    static let authenticated = [401, 403, 429]

    static let operations: [Operation] =
        [
            Operation(
                method: "get", path: "/api/campaigns", summary: "List the organization's campaigns, newest first",
                scope: .campaignsRead, success: 200, successSchema: "CampaignList", errors: authenticated + [400],
                query: ["status", "limit", "cursor"]),
            Operation(
                method: "post", path: "/api/campaigns", summary: "Create a campaign (or promote a draft with draftId)",
                scope: .campaignsWrite, success: 201, successSchema: "CampaignEnvelope",
                errors: authenticated + [400, 404, 409, 422], requestBody: "CampaignBody", bodyRequired: true),
            Operation(
                method: "post", path: "/api/campaigns/draft", summary: "Save a draft campaign", scope: .campaignsWrite,
                success: 201, successSchema: "CampaignEnvelope", errors: authenticated + [400, 422],
                requestBody: "CampaignBody", bodyRequired: true),
            Operation(
                method: "get", path: "/api/campaigns/{id}", summary: "A campaign with its sender number and metrics",
                scope: .campaignsRead, success: 200, successSchema: "CampaignDetailEnvelope",
                errors: authenticated + [404]),
            Operation(
                method: "patch", path: "/api/campaigns/{id}", summary: "Update a draft with the fields given",
                scope: .campaignsWrite, success: 200, successSchema: "CampaignEnvelope",
                errors: authenticated + [400, 404], requestBody: "CampaignBody"),
            Operation(
                method: "get", path: "/api/campaigns/{id}/stats", summary: "Counts by status, reason, variant, error",
                scope: .campaignsRead, success: 200, successSchema: "StatsEnvelope", errors: authenticated + [404]),
            Operation(
                method: "get", path: "/api/campaigns/{id}/events", summary: "Live progress as Server-Sent Events",
                scope: .campaignsRead, success: 200, successSchema: "EventStream", errors: authenticated + [404]),
            Operation(
                method: "post", path: "/api/campaigns/{id}/test",
                summary: "Send the campaign's message now to up to 10 numbers (charged; no quiet hours)",
                scope: .messagesWrite, success: 200, successSchema: "TestSendEnvelope",
                errors: authenticated + [400, 402, 404, 422], requestBody: "TestSendBody", bodyRequired: true),
            Operation(
                method: "post", path: "/api/campaigns/{id}/pause", summary: "Pause (optional reason)",
                scope: .campaignsControl, success: 200, successSchema: "ControlEnvelope",
                errors: authenticated + [400, 404, 409, 422], requestBody: "ReasonBody"),
            Operation(
                method: "post", path: "/api/campaigns/{id}/resume", summary: "Resume a paused campaign",
                scope: .campaignsControl, success: 200, successSchema: "ControlEnvelope",
                errors: authenticated + [404, 409, 422]),
            Operation(
                method: "post", path: "/api/campaigns/{id}/cancel", summary: "Cancel for good (unsent rows canceled)",
                scope: .campaignsControl, success: 200, successSchema: "ControlEnvelope",
                errors: authenticated + [400, 404, 409, 422], requestBody: "ReasonBody"),
            Operation(
                method: "post", path: "/api/campaigns/{id}/ab-winner", summary: "Pick the A/B winner",
                scope: .campaignsControl, success: 200, successSchema: "WinnerEnvelope",
                errors: authenticated + [400, 404, 409, 422], requestBody: "WinnerBody"),
            Operation(
                method: "get", path: "/api/segments", summary: "List the organization's segments, newest first",
                scope: .contactsRead, success: 200, successSchema: "SegmentList", errors: authenticated + [400],
                query: ["limit", "cursor"]),
            Operation(
                method: "post", path: "/api/segments", summary: "Save a segment (a named contact filter)",
                scope: .contactsWrite, success: 201, successSchema: "SegmentEnvelope",
                errors: authenticated + [400, 422],
                requestBody: "SegmentBody", bodyRequired: true),
            Operation(
                method: "get", path: "/api/segments/{id}", summary: "A segment", scope: .contactsRead, success: 200,
                successSchema: "SegmentEnvelope", errors: authenticated + [404]),
            Operation(
                method: "patch", path: "/api/segments/{id}", summary: "Rename a segment or change its filter",
                scope: .contactsWrite, success: 200, successSchema: "SegmentEnvelope",
                errors: authenticated + [400, 404],
                requestBody: "SegmentBody", bodyRequired: true),
            Operation(
                method: "delete", path: "/api/segments/{id}",
                summary: "Delete a segment (campaigns still waiting on it fail when planned)", scope: .contactsWrite,
                success: 200, successSchema: "SegmentDeletedEnvelope", errors: authenticated + [404]),
            Operation(
                method: "get", path: "/api/segments/{id}/preview",
                summary: "How many contacts the segment matches, how many a campaign would text, the first ten",
                scope: .contactsRead, success: 200, successSchema: "SegmentPreviewEnvelope",
                errors: authenticated + [404]),
            Operation(
                method: "get", path: "/api/contacts",
                summary: "List contacts by the campaign filter language (or a segment), newest first",
                scope: .contactsRead, success: 200, successSchema: "ContactList", errors: authenticated + [400],
                query: ContactFilter.knownKeys.sorted() + [
                    "segmentId", "sort", "limit", "cursor", "offset", "includeTotal",
                ]),
            Operation(
                method: "post", path: "/api/contacts",
                summary: "Create a contact (201), or merge into the one with the same phone (200)",
                scope: .contactsWrite, success: 201, successSchema: "ContactWrittenEnvelope",
                errors: authenticated + [400, 409, 422], requestBody: "ContactBody", bodyRequired: true,
                otherSuccess: [200]),
            Operation(
                method: "get", path: "/api/contacts/{id}", summary: "A contact", scope: .contactsRead, success: 200,
                successSchema: "ContactEnvelope", errors: authenticated + [404]),
            Operation(
                method: "patch", path: "/api/contacts/{id}",
                summary: "Update the fields given (tags and customFields replace; null clears)",
                scope: .contactsWrite, success: 200, successSchema: "ContactEnvelope",
                errors: authenticated + [400, 404],
                requestBody: "ContactBody", bodyRequired: true),
            Operation(
                method: "delete", path: "/api/contacts/{id}",
                summary: "Delete (anonymize) a contact; an opted-out phone stays suppressed", scope: .contactsWrite,
                success: 200, successSchema: "DeletedEnvelope", errors: authenticated + [404]),
            Operation(
                method: "get", path: "/api/contacts/{id}/messages",
                summary: "The contact's campaign history, newest first", scope: .contactsRead, success: 200,
                successSchema: "ContactHistoryList", errors: authenticated + [400, 404], query: ["limit", "cursor"]),
            Operation(
                method: "post", path: "/api/contacts/{id}/opt-out",
                summary: "Opt a contact out by hand (optional reason), recorded with the key", scope: .contactsWrite,
                success: 200, successSchema: "ContactEnvelope", errors: authenticated + [400, 404, 422],
                requestBody: "ReasonBody"),
            Operation(
                method: "post", path: "/api/contacts/{id}/opt-in",
                summary: "Opt a contact back in on recorded consent (source required)", scope: .contactsWrite,
                success: 200, successSchema: "ContactEnvelope", errors: authenticated + [400, 404, 422],
                requestBody: "ConsentBody", bodyRequired: true),
            Operation(
                method: "get", path: "/api/conversations",
                summary: "The inbox: one conversation per number that texted in, newest first",
                scope: .conversationsRead,
                success: 200, successSchema: "ConversationList", errors: authenticated + [400],
                query: ["unread", "unresponded", "search", "includeArchived", "limit", "cursor"]),
            Operation(
                method: "get", path: "/api/conversations/{phoneNumber}/messages",
                summary: "A conversation's messages, newest first, with the organization's time zone",
                scope: .conversationsRead, success: 200, successSchema: "ConversationHistoryEnvelope",
                errors: authenticated + [400, 404], query: ["limit", "cursor"]),
            Operation(
                method: "post", path: "/api/conversations/{phoneNumber}/reply",
                summary: "Send a reply now, ahead of campaign traffic on the number (no quiet hours)",
                scope: .messagesWrite, success: 200, successSchema: "ReplyAnswer",
                errors: authenticated + [400, 402, 422], requestBody: "ReplyBody", bodyRequired: true),
            Operation(
                method: "get", path: "/v1/conversations",
                summary: "Conversations newest first (v1 shape: stable opaque ids, consent, retention)",
                scope: .conversationsRead, success: 200, successSchema: "V1ConversationList",
                errors: authenticated + [400],
                query: ["limit", "cursor", "phone_number_id", "since"]),
            Operation(
                method: "get", path: "/v1/conversations/{id}/messages",
                summary: "A conversation's messages, newest first (v1 shape)", scope: .conversationsRead, success: 200,
                successSchema: "V1MessageList", errors: authenticated + [400, 404], query: ["limit", "cursor"]),
            Operation(
                method: "get", path: "/livez", summary: "The process answers", scope: nil, success: 200,
                successSchema: "PlainText", errors: []),
            Operation(
                method: "get", path: "/readyz", summary: "Postgres and Redis answered the last probe", scope: nil,
                success: 200, successSchema: "PlainText", errors: [503]),
            Operation(
                method: "get", path: "/healthz", summary: "Same as /readyz", scope: nil, success: 200,
                successSchema: "PlainText", errors: [503]),
            Operation(
                method: "get", path: "/openapi.json", summary: "This document", scope: nil, success: 200,
                successSchema: "OpenAPI", errors: []),
        ]
        + ConversationStore.Mark.allCases.map { mark in
            Operation(
                method: "post", path: "/api/conversations/{phoneNumber}/\(mark.rawValue)",
                summary: "Mark the conversation: \(mark.rawValue)", scope: .messagesWrite, success: 200,
                successSchema: "MarkedEnvelope", errors: authenticated + [400, 404, 422])
        }

    static let errorDescriptions: [Int: (code: String, text: String)] = [
        400: ("VALIDATION_FAILED", "Invalid input; details names every field"),
        401: ("UNAUTHORIZED", "Missing, unknown, revoked or expired API key"),
        402: ("INSUFFICIENT_CREDITS", "The organization's credits do not cover it, or billing is off"),
        403: ("FORBIDDEN", "The key lacks the operation's scope (or CONTACT_OPTED_OUT: a recipient opted out)"),
        404: ("NOT_FOUND", "No such resource in the key's organization"),
        409: ("INVALID_TRANSITION", "Not possible in the campaign's current status (or CONFLICT)"),
        422: ("IDEMPOTENCY_KEY_REUSED", "The Idempotency-Key was used for a different request"),
        429: ("RATE_LIMITED", "Too many requests with this key; see Retry-After"),
        503: ("NOT_READY", "A dependency did not answer"),
    ]

    /// The document as JSON.
    public static let json: Data = {
        let encoder = JSONSerialization.WritingOptions([.sortedKeys, .withoutEscapingSlashes])
        return (try? JSONSerialization.data(withJSONObject: document, options: encoder)) ?? Data("{}".utf8)
    }()

    static var document: [String: Any] {
        var paths: [String: [String: Any]] = [:]
        for operation in operations {
            var responses: [String: Any] = [
                "\(operation.success)": [
                    "description": operation.summary,
                    "content": [
                        operation.successSchema == "EventStream"
                            ? "text/event-stream"
                            : operation.successSchema == "PlainText" ? "text/plain" : "application/json": [
                                "schema": ["$ref": "#/components/schemas/\(operation.successSchema)"]
                            ]
                    ],
                ]
            ]
            for status in operation.otherSuccess {
                responses["\(status)"] = responses["\(operation.success)"]
            }
            for status in operation.errors {
                responses["\(status)"] = ["$ref": "#/components/responses/Error\(status)"]
            }
            var entry: [String: Any] = [
                "summary": operation.summary, "operationId": operationID(operation), "responses": responses,
            ]
            var parameters: [[String: Any]] = []
            if operation.path.contains("{id}") {
                let schema: [String: Any] =
                    operation.path.hasPrefix("/v1/conversations")
                    ? ["type": "string", "description": "the conversation's opaque id (base64url)"]
                    : ["type": "string", "format": "uuid"]
                parameters.append(["name": "id", "in": "path", "required": true, "schema": schema])
            }
            if operation.path.contains("{phoneNumber}") {
                parameters.append([
                    "name": "phoneNumber", "in": "path", "required": true,
                    "schema": ["type": "string", "description": "the contact's number, E.164 or any US format"],
                ])
            }
            for name in operation.query {
                let schema: [String: Any] =
                    switch name {
                    case "limit": ["type": "integer", "minimum": 1, "maximum": 200]
                    case "offset": ["type": "integer", "minimum": 0]
                    default: ["type": "string"]
                    }
                parameters.append(["name": name, "in": "query", "required": false, "schema": schema])
            }
            if operation.method == "post", operation.scope != nil {
                parameters.append([
                    "name": "Idempotency-Key", "in": "header", "required": false,
                    "schema": ["type": "string", "minLength": 1, "maxLength": 255],
                ])
            }
            if !parameters.isEmpty { entry["parameters"] = parameters }
            if let body = operation.requestBody {
                entry["requestBody"] = [
                    "required": operation.bodyRequired,
                    "content": ["application/json": ["schema": ["$ref": "#/components/schemas/\(body)"]]],
                ]
            }
            if let scope = operation.scope {
                entry["security"] = [["apiKey": [scope.rawValue]]]
            } else {
                entry["security"] = [[String: Any]]()
            }
            paths[operation.path, default: [:]][operation.method] = entry
        }
        var errorResponses: [String: Any] = [:]
        for (status, description) in errorDescriptions {
            errorResponses["Error\(status)"] = [
                "description": "\(description.text) (code \(description.code))",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]],
            ]
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Amplifi Dispatch API", "version": "1",
                "description":
                    "Campaigns, segments, contacts and conversations of the key's organization. Authorization: Bearer am_live_…; every POST accepts Idempotency-Key.",
            ],
            "paths": paths,
            "components": [
                "securitySchemes": ["apiKey": ["type": "http", "scheme": "bearer"]],
                "responses": errorResponses,
                "schemas": schemas,
            ],
        ]
    }

    static func operationID(_ operation: Operation) -> String {
        let words = operation.path.split(separator: "/").filter { $0 != "api" }.map {
            $0 == "{id}"
                ? "ById" : $0.prefix(1).uppercased() + $0.dropFirst().replacingOccurrences(of: ".json", with: "")
        }
        return operation.method + words.joined().replacingOccurrences(of: "-", with: "")
    }

    static func envelope(_ data: [String: Any], meta: Bool = false) -> [String: Any] {
        var properties: [String: Any] = ["success": ["const": true], "data": data]
        if meta { properties["meta"] = ["$ref": "#/components/schemas/PageMeta"] }
        return ["type": "object", "required": ["success", "data"], "properties": properties]
    }

    static var campaignRef: [String: Any] { ["$ref": "#/components/schemas/Campaign"] }

    static var schemas: [String: Any] {
        [
            "Error": [
                "type": "object", "required": ["success", "error"],
                "properties": [
                    "success": ["const": false],
                    "error": [
                        "type": "object", "required": ["code", "message", "request_id"],
                        "properties": [
                            "code": ["type": "string"], "message": ["type": "string"],
                            "request_id": ["type": "string", "description": "ULID; also X-Request-Id"],
                            "details": ["type": "object", "additionalProperties": ["type": "string"]],
                        ],
                    ],
                ],
            ],
            "PageMeta": [
                "type": "object", "required": ["limit", "next_cursor"],
                "properties": [
                    "limit": ["type": "integer"], "next_cursor": ["type": ["string", "null"]],
                    "total": ["type": "integer", "description": "with includeTotal=true, and on v1 lists"],
                    "offset": ["type": "integer", "description": "v1 lists only (always 0: they page by cursor)"],
                ],
            ],
            "Campaign": [
                "type": "object", "required": ["id", "name", "status", "createdAt"],
                "properties": [
                    "id": ["type": "string", "format": "uuid"], "name": ["type": "string"],
                    "message": ["type": ["string", "null"]],
                    "status": [
                        "type": "string",
                        "enum": [
                            "draft", "scheduled", "pending", "queued", "sending", "completed", "failed", "paused",
                            "canceled",
                        ],
                    ],
                    "segmentId": ["type": ["string", "null"]], "contactFilter": ["type": ["object", "null"]],
                    "fromPhoneNumberId": ["type": ["string", "null"]], "scheduledFor": ["type": ["string", "null"]],
                    "forceRoute": ["type": "string", "enum": ["AUTO", "SMS", "MMS"]],
                    "abTest": ["type": "boolean"], "createdAt": ["type": "string", "format": "date-time"],
                ],
            ],
            "CampaignBody": [
                "type": "object",
                "description":
                    "name, message, segmentId | contactFilter, fromPhoneNumberId, scheduledFor, timezone, mediaUrl, forceRoute, channel, normalizeText, abTest, messageVariantA/B, autoReply, yesResponse, noResponse, faqReplies, draftId",
            ],
            "CampaignEnvelope": envelope(campaignRef),
            "CampaignList": envelope(["type": "array", "items": campaignRef], meta: true),
            "CampaignDetailEnvelope": envelope([
                "allOf": [
                    campaignRef,
                    [
                        "type": "object", "required": ["phoneNumber", "metrics"],
                        "properties": [
                            "phoneNumber": ["type": ["object", "null"]],
                            "metrics": [
                                "type": "object",
                                "required": ["audienceSize", "sent", "failed", "queued", "delivered", "creditsUsed"],
                            ],
                        ],
                    ],
                ]
            ]),
            "StatsEnvelope": envelope([
                "type": "object", "required": ["byStatus", "skippedByReason", "errorsByCode", "variants"],
            ]),
            "ControlEnvelope": envelope([
                "type": "object", "required": ["id", "status"],
                "properties": ["id": ["type": "string"], "status": ["type": "string"]],
            ]),
            "WinnerEnvelope": envelope([
                "type": "object", "required": ["id", "variant", "released"],
            ]),
            "TestSendBody": [
                "type": "object", "required": ["phoneNumbers"],
                "properties": [
                    "phoneNumbers": [
                        "type": "array", "minItems": 1, "maxItems": TestSendRequest.maxPhoneNumbers,
                        "items": ["type": "string", "description": "E.164, or a US number in any common format"],
                    ],
                    "message": ["type": "string", "description": "Instead of the campaign's message"],
                    "mediaUrls": ["type": "array", "maxItems": 1, "items": ["type": "string", "format": "uri"]],
                    "fromPhoneNumberId": ["type": "string", "format": "uuid"],
                    "mergeData": ["type": "object", "additionalProperties": ["type": "string"]],
                ],
            ],
            "TestSendEnvelope": envelope([
                "type": "object", "required": ["results", "creditsCharged"],
                "properties": [
                    "creditsCharged": ["type": "integer"],
                    "results": [
                        "type": "array",
                        "items": [
                            "type": "object",
                            "required": ["phoneNumber", "status", "text", "encoding", "route", "segments", "credits"],
                            "properties": [
                                "phoneNumber": ["type": "string"],
                                "status": ["type": "string", "enum": ["sent", "failed", "pending", "unknown"]],
                                "text": ["type": "string"],
                                "encoding": ["type": "string", "enum": ["GSM-7", "UCS-2"]],
                                "route": ["type": "string", "enum": ["SMS", "MMS"]],
                                "segments": ["type": "integer"], "credits": ["type": "integer"],
                                "messageSid": ["type": ["string", "null"]],
                                "error": [
                                    "type": ["object", "null"],
                                    "properties": ["code": ["type": "string"], "message": ["type": "string"]],
                                ],
                            ],
                        ],
                    ],
                ],
            ]),
            "Segment": [
                "type": "object", "required": ["id", "name", "filter", "createdAt", "updatedAt"],
                "properties": [
                    "id": ["type": "string", "format": "uuid"], "name": ["type": "string"],
                    "filter": ["type": "object", "description": "the filter language of a campaign's contactFilter"],
                    "createdAt": ["type": "string", "format": "date-time"],
                    "updatedAt": ["type": "string", "format": "date-time"],
                ],
            ],
            "SegmentBody": [
                "type": "object",
                "properties": [
                    "name": ["type": "string", "maxLength": SegmentStore.maxNameLength],
                    "filter": ["type": "object"],
                ],
            ],
            "SegmentEnvelope": envelope(["$ref": "#/components/schemas/Segment"]),
            "SegmentList": envelope(["type": "array", "items": ["$ref": "#/components/schemas/Segment"]], meta: true),
            "SegmentDeletedEnvelope": envelope([
                "type": "object", "required": ["id", "deleted", "waitingCampaigns"],
            ]),
            "SegmentPreviewEnvelope": envelope([
                "type": "object", "required": ["count", "sendable", "contacts"],
                "properties": [
                    "count": ["type": "integer"], "sendable": ["type": "integer"],
                    "contacts": ["type": "array", "maxItems": SegmentStore.previewLimit],
                ],
            ]),
            "Contact": [
                "type": "object",
                "required": [
                    "id", "phone", "tags", "customFields", "isTextable", "optedIn", "optedOutAt", "createdAt",
                    "updatedAt",
                ],
                "properties": [
                    "id": ["type": "string", "format": "uuid"], "phone": ["type": ["string", "null"]],
                    "firstName": ["type": ["string", "null"]], "lastName": ["type": ["string", "null"]],
                    "email": ["type": ["string", "null"]], "state": ["type": ["string", "null"]],
                    "tags": ["type": "array", "items": ["type": "string"]],
                    "customFields": ["type": "object", "additionalProperties": ["type": "string"]],
                    "isTextable": ["type": ["boolean", "null"]], "optedIn": ["type": "boolean"],
                    "optedOutAt": ["type": ["string", "null"], "format": "date-time"],
                ],
            ],
            "ContactBody": [
                "type": "object",
                "description":
                    "phone (required to create; any US format), firstName, lastName, email, address, city, state, zip, tags, customFields (at most 20), timezone",
            ],
            "ContactEnvelope": envelope(["$ref": "#/components/schemas/Contact"]),
            "ContactWrittenEnvelope": envelope([
                "allOf": [
                    ["$ref": "#/components/schemas/Contact"],
                    [
                        "type": "object", "required": ["_outcome"],
                        "properties": ["_outcome": ["type": "string", "enum": ["created", "merged"]]],
                    ],
                ]
            ]),
            "ContactList": envelope(["type": "array", "items": ["$ref": "#/components/schemas/Contact"]], meta: true),
            "ContactHistoryList": envelope(
                [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["campaignId", "campaignName", "status", "createdAt"],
                        "properties": [
                            "campaignId": ["type": "string", "format": "uuid"], "campaignName": ["type": "string"],
                            "status": ["type": "string"], "body": ["type": ["string", "null"]],
                            "sentAt": ["type": ["string", "null"], "format": "date-time"],
                        ],
                    ],
                ], meta: true),
            "Conversation": [
                "type": "object",
                "required": [
                    "id", "phoneNumber", "lastMessage", "lastMessageAt", "lastMessageDirection", "unreadCount",
                    "isArchived", "isStarred",
                ],
                "properties": [
                    "phoneNumber": ["type": "string"], "contactId": ["type": ["string", "null"]],
                    "firstName": ["type": ["string", "null"]], "lastName": ["type": ["string", "null"]],
                    "lastMessage": ["type": "string"], "lastMessageAt": ["type": "string", "format": "date-time"],
                    "lastMessageDirection": ["type": "string", "enum": ["inbound", "outbound"]],
                    "unreadCount": ["type": "integer"], "isArchived": ["type": "boolean"],
                    "isStarred": ["type": "boolean"],
                ],
            ],
            "ConversationList": envelope(
                ["type": "array", "items": ["$ref": "#/components/schemas/Conversation"]], meta: true),
            "ConversationHistoryEnvelope": envelope([
                "type": "object", "required": ["conversation", "messages", "timezone"],
                "properties": [
                    "conversation": ["$ref": "#/components/schemas/Conversation"],
                    "timezone": ["type": "string"],
                    "messages": [
                        "type": "array",
                        "items": [
                            "type": "object", "required": ["id", "direction", "timestamp"],
                            "properties": [
                                "direction": ["type": "string", "enum": ["incoming", "outgoing"]],
                                "message": ["type": ["string", "null"]], "status": ["type": ["string", "null"]],
                                "timestamp": ["type": "string", "format": "date-time"],
                            ],
                        ],
                    ],
                ],
            ]),
            "V1ConversationList": envelope(
                [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "required": [
                            "id", "phone_number_id", "phone_number", "contact_number", "last_message_at",
                            "last_message_direction", "last_message_preview", "last_message_body_redacted_at",
                            "message_count", "consent",
                        ],
                        "properties": [
                            "id": ["type": "string"], "phone_number_id": ["type": "string", "format": "uuid"],
                            "last_message_direction": ["type": "string", "enum": ["inbound", "outbound"]],
                            "last_message_preview": [
                                "type": "string", "description": "\"[redacted]\" once past the retention window",
                            ],
                            "last_message_body_redacted_at": ["type": ["string", "null"], "format": "date-time"],
                            "message_count": ["type": "integer"],
                            "consent": [
                                "type": ["object", "null"],
                                "properties": [
                                    "opted_in": ["type": "boolean"],
                                    "opted_in_at": ["type": ["string", "null"], "format": "date-time"],
                                ],
                            ],
                        ],
                    ],
                ], meta: true),
            "V1MessageList": envelope(
                [
                    "type": "array",
                    "items": [
                        "type": "object", "required": ["id", "direction", "body", "body_redacted_at", "created_at"],
                        "properties": [
                            "direction": ["type": "string", "enum": ["inbound", "outbound"]],
                            "body": ["type": ["string", "null"]],
                            "body_redacted_at": ["type": ["string", "null"], "format": "date-time"],
                        ],
                    ],
                ], meta: true),
            "ReplyBody": [
                "type": "object", "required": ["message"],
                "properties": [
                    "message": ["type": "string", "minLength": 1, "maxLength": 1600],
                    "fromPhoneNumberId": ["type": "string", "format": "uuid"],
                    "mediaUrl": ["type": "string", "format": "uri"], "normalizeText": ["type": "boolean"],
                    "forceRoute": ["type": "string", "enum": ["AUTO", "SMS", "MMS"]],
                ],
            ],
            "ReplyAnswer": [
                "type": "object", "required": ["success", "messageLog", "provider", "providerMessageId"],
                "description": "the reply endpoint's own shape, not the data envelope (what its clients read)",
                "properties": [
                    "success": ["const": true],
                    "messageLog": [
                        "type": "object", "required": ["id", "phoneNumber", "message", "status", "sentAt"],
                        "properties": [
                            "status": ["type": "string", "enum": ["sent", "failed", "pending", "unknown", "sending"]],
                            "sentAt": ["type": ["string", "null"], "format": "date-time"],
                        ],
                    ],
                    "provider": ["type": "string"], "providerMessageId": ["type": ["string", "null"]],
                ],
            ],
            "MarkedEnvelope": envelope(["type": "object", "required": ["phoneNumber", "mark"]]),
            "DeletedEnvelope": envelope([
                "type": "object", "required": ["id", "deleted"],
                "properties": ["id": ["type": "string"], "deleted": ["const": true]],
            ]),
            "ReasonBody": ["type": "object", "properties": ["reason": ["type": "string"]]],
            "ConsentBody": [
                "type": "object", "required": ["source"],
                "properties": [
                    "source": [
                        "type": "string", "minLength": 3, "maxLength": 500,
                        "description": "where the consent comes from, e.g. signed form, 2026-11-30",
                    ]
                ],
            ],
            "WinnerBody": [
                "type": "object", "required": ["variant"],
                "properties": ["variant": ["type": "string", "enum": ["A", "B"]]],
            ],
            "EventStream": [
                "type": "string",
                "description": "event: status | progress | end, each with a JSON data line",
            ],
            "PlainText": ["type": "string"],
            "OpenAPI": ["type": "object"],
        ]
    }
}
