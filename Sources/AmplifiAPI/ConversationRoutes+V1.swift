import AmplifiEngine
import AmplifiHTTP
import AmplifiMessaging
import Foundation
public import Hummingbird

/// `GET /v1/conversations` and `GET /v1/conversations/{id}/messages` (scope `conversations:read`):
/// the inbox in the v1 shape — snake_case fields, a stable opaque id per conversation (base64url of
/// its UUID), the organization's number and the contact's, consent, and retention: once the latest
/// text is past the organization's window, `last_message_preview` is `"[redacted]"` and
/// `last_message_body_redacted_at` says when; the conversation itself stays.
extension ConversationRoutes {
    /// Adds the v1 routes under `group` (mounted at `/v1/conversations`).
    public func addV1(to group: RouterGroup<APIRequestContext>) {
        group.get { request, context in
            let principal = try context.require(.conversationsRead)
            let query = request.uri.queryParameters
            var problems: [EngineError] = []
            let paging = PageParameters(request, problems: &problems)
            var filter = ConversationStore.Filter(includeArchived: true)
            if let text = query["phone_number_id"] {
                filter.phoneNumberID = UUID(uuidString: String(text))
                if filter.phoneNumberID == nil {
                    problems.append(EngineError(.validationFailed, "must be a UUID", field: "phone_number_id"))
                }
            }
            if let text = query["since"] {
                switch UTCTimestamp.parse(String(text)) {
                case .success(let date): filter.since = date
                case .failure:
                    problems.append(
                        EngineError(
                            .validationFailed, "must be a UTC time such as 2026-04-28T12:00:00Z", field: "since"))
                }
            }
            if !problems.isEmpty { throw EngineErrorTranslation<APIRequestContext>.validation(problems) }
            let page = try await store.list(
                orgID: principal.orgID, filter: filter, limit: paging.limit, cursor: paging.cursor, includeTotal: true)
            return try APIResponse.success(
                page.conversations.map(Item.init),
                meta: APIResponse.PageMeta(
                    limit: paging.limit, nextCursor: page.nextCursor, total: page.total, offset: 0))
        }
        group.get(":id/messages") { request, context in
            let principal = try context.require(.conversationsRead)
            guard let id = context.parameters.get("id").flatMap(Self.conversationID) else {
                throw APIError(.notFound, code: .notFound, message: "no such conversation in this organization")
            }
            let paging = try PageParameters(request)
            let page = try await store.history(
                orgID: principal.orgID, of: .id(id), limit: paging.limit, cursor: paging.cursor)
            return try paging.answer(page.messages.map(Message.init), nextCursor: page.nextCursor)
        }
    }

    /// The stable opaque id of conversation `id`: base64url (no padding) of its 16 bytes.
    static func handle(_ id: UUID) -> String {
        withUnsafeBytes(of: id.uuid) { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The conversation a handle names, or nil for anything ``handle(_:)`` did not make.
    static func conversationID(_ handle: String) -> UUID? {
        var text = handle.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        guard let data = Data(base64Encoded: text), data.count == 16 else { return nil }
        return data.withUnsafeBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
    }

    /// A conversation in the v1 shape.
    struct Item: Encodable {
        struct Consent: Encodable {
            var optedIn: Bool
            var optedInAt: String?

            enum CodingKeys: String, CodingKey {
                case optedIn = "opted_in"
                case optedInAt = "opted_in_at"
            }
        }

        var id: String
        var phoneNumberID: String
        var phoneNumber: String
        var contactNumber: String
        var lastMessageAt: String
        var lastMessageDirection: String
        var lastMessagePreview: String
        var lastMessageBodyRedactedAt: String?
        var messageCount: Int
        var consent: Consent?

        enum CodingKeys: String, CodingKey {
            case id
            case phoneNumberID = "phone_number_id"
            case phoneNumber = "phone_number"
            case contactNumber = "contact_number"
            case lastMessageAt = "last_message_at"
            case lastMessageDirection = "last_message_direction"
            case lastMessagePreview = "last_message_preview"
            case lastMessageBodyRedactedAt = "last_message_body_redacted_at"
            case messageCount = "message_count"
            case consent
        }

        init(_ conversation: Conversation) {
            id = ConversationRoutes.handle(conversation.id)
            phoneNumberID = conversation.phoneNumberID.uuidString.lowercased()
            phoneNumber = conversation.number
            contactNumber = conversation.phoneNumber
            lastMessageAt = UTCTimestamp.format(conversation.lastMessageAt)
            lastMessageDirection = conversation.lastMessageDirection
            lastMessagePreview = conversation.preview
            lastMessageBodyRedactedAt = conversation.lastMessageRedactedAt.map(UTCTimestamp.format)
            messageCount = conversation.messageCount
            consent = conversation.consent.map {
                Consent(optedIn: $0.optedIn, optedInAt: $0.optedInAt.map(UTCTimestamp.format))
            }
        }

        /// Every field, absent ones as null (`consent: null` for a number that is no contact).
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(phoneNumberID, forKey: .phoneNumberID)
            try container.encode(phoneNumber, forKey: .phoneNumber)
            try container.encode(contactNumber, forKey: .contactNumber)
            try container.encode(lastMessageAt, forKey: .lastMessageAt)
            try container.encode(lastMessageDirection, forKey: .lastMessageDirection)
            try container.encode(lastMessagePreview, forKey: .lastMessagePreview)
            try container.encode(lastMessageBodyRedactedAt, forKey: .lastMessageBodyRedactedAt)
            try container.encode(messageCount, forKey: .messageCount)
            try container.encode(consent, forKey: .consent)
        }
    }

    /// A conversation's message in the v1 shape.
    struct Message: Encodable {
        var id: String
        var direction: String
        var body: String?
        var bodyRedactedAt: String?
        var status: String?
        var source: String?
        var createdAt: String

        enum CodingKeys: String, CodingKey {
            case id, direction, body
            case bodyRedactedAt = "body_redacted_at"
            case status, source
            case createdAt = "created_at"
        }

        init(_ message: ConversationMessage) {
            id = message.id
            direction =
                switch message.direction {
                case .incoming: "inbound"
                case .outgoing: "outbound"
                }
            body = message.message
            bodyRedactedAt = message.redactedAt.map(UTCTimestamp.format)
            status = message.status?.rawValue
            source = message.source?.rawValue
            createdAt = UTCTimestamp.format(message.timestamp)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(direction, forKey: .direction)
            try container.encode(body, forKey: .body)
            try container.encode(bodyRedactedAt, forKey: .bodyRedactedAt)
            try container.encode(status, forKey: .status)
            try container.encode(source, forKey: .source)
            try container.encode(createdAt, forKey: .createdAt)
        }
    }
}
