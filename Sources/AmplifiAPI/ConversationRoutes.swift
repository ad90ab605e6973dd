public import AmplifiEngine
import AmplifiHTTP
import AmplifiMessaging
import Foundation
public import Hummingbird

/// The inbox endpoints: conversations listed (`unread`, `unresponded`, `search`,
/// `includeArchived`), a conversation's history newest first with the organization's time zone
/// (scope `conversations:read`), the team's marks — archive, unarchive, star, unstar, read — and
/// a reply sent now, ahead of campaign traffic (scope `messages:write`). A conversation is named by
/// the contact's number, in any US format.
public struct ConversationRoutes: Sendable {
    let store: ConversationStore
    let reply: ConversationReply
    /// The carrier's name in a reply's answer (`provider`).
    let provider: String

    public init(store: ConversationStore, reply: ConversationReply, provider: String) {
        self.store = store
        self.reply = reply
        self.provider = provider
    }

    /// Adds the routes under `group` (mounted at `/api/conversations`).
    public func add(to group: RouterGroup<APIRequestContext>) {
        group.get { request, context in
            let principal = try context.require(.conversationsRead)
            let query = request.uri.queryParameters
            var problems: [EngineError] = []
            let paging = PageParameters(request, problems: &problems)
            func flag(_ name: String) -> Bool {
                guard let text = query[Substring(name)] else { return false }
                if text == "true" || text == "false" { return text == "true" }
                problems.append(EngineError(.validationFailed, "must be true or false", field: name))
                return false
            }
            let filter = ConversationStore.Filter(
                unread: flag("unread"), unresponded: flag("unresponded"),
                search: query["search"].map { String($0).trimmingCharacters(in: .whitespaces) },
                includeArchived: flag("includeArchived"))
            if !problems.isEmpty { throw EngineErrorTranslation<APIRequestContext>.validation(problems) }
            let page = try await store.list(
                orgID: principal.orgID, filter: filter, limit: paging.limit, cursor: paging.cursor)
            return try paging.answer(page.conversations, nextCursor: page.nextCursor)
        }
        group.get(":phoneNumber/messages") { request, context in
            let principal = try context.require(.conversationsRead)
            let phone = try Self.phone(context)
            let paging = try PageParameters(request)
            let page = try await store.history(
                orgID: principal.orgID, of: .phone(phone), limit: paging.limit, cursor: paging.cursor)
            return try paging.answer(
                History(conversation: page.conversation, messages: page.messages, timezone: page.timezone),
                nextCursor: page.nextCursor)
        }
        group.post(":phoneNumber/reply") { request, context in
            let principal = try context.require(.messagesWrite)
            let phone = try Self.phone(context)
            let body = try await request.body.collect(upTo: 64 * 1024)
            let parsed = try ReplyRequest.parse(json: Data(body.readableBytesView))
            let outcome: ConversationReply.Outcome
            do {
                outcome = try await reply.send(
                    orgID: principal.orgID, phone: phone, request: parsed,
                    actor: "api_key:\(principal.keyID.uuidString.lowercased())")
            } catch let error as EngineError
                where [.contactNotFound, .contactOptedOut, .contactNonTextable, .noFromNumber].contains(error.code)
            {
                // The reply's contract answers these 400 (elsewhere an opt-out is 403).
                throw APIError(.badRequest, code: error.code, message: error.message)
            }
            return try APIResponse.json(
                APIResponse.encoder.encode(Replied(outcome: outcome, provider: provider)), status: .ok)
        }
        for mark in ConversationStore.Mark.allCases {
            group.post(RouterPath(":phoneNumber/\(mark.rawValue)")) { _, context in
                let principal = try context.require(.messagesWrite)
                let phone = try Self.phone(context)
                try await store.mark(orgID: principal.orgID, phone: phone, mark: mark)
                return try APIResponse.success(Marked(phoneNumber: phone, mark: mark.rawValue))
            }
        }
    }

    /// The `{phoneNumber}` path parameter in E.164 (any US format accepted); 400 when it is not one.
    static func phone(_ context: APIRequestContext) throws -> String {
        let raw = context.parameters.get("phoneNumber") ?? ""
        let text = raw.removingPercentEncoding ?? raw
        do {
            return try PhoneNumber.normalize(text)
        } catch {
            throw EngineErrorTranslation<APIRequestContext>.validation([
                EngineError(.validationFailed, "is not a phone number: \(error.message)", field: "phoneNumber")
            ])
        }
    }

    /// A conversation's page: the thread, its messages newest first, and the organization's zone.
    struct History: Encodable {
        var conversation: Conversation
        var messages: [ConversationMessage]
        var timezone: String
    }

    /// What a reply answers, in the reply endpoint's own shape rather than the data envelope (what
    /// its clients read): the message's log entry, the carrier and its id for the message.
    struct Replied: Encodable {
        struct Log: Encodable {
            var id: String
            var phoneNumber: String
            var message: String
            var status: String
            var sentAt: String?
            var errorCode: String?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(id, forKey: .id)
                try container.encode(phoneNumber, forKey: .phoneNumber)
                try container.encode(message, forKey: .message)
                try container.encode(status, forKey: .status)
                try container.encode(sentAt, forKey: .sentAt)
                try container.encodeIfPresent(errorCode, forKey: .errorCode)
            }

            enum CodingKeys: String, CodingKey {
                case id, phoneNumber, message, status, sentAt, errorCode
            }
        }

        var success = true
        var messageLog: Log
        var provider: String
        var providerMessageID: String?

        init(outcome: ConversationReply.Outcome, provider: String) {
            messageLog = Log(
                id: String(outcome.id), phoneNumber: outcome.phoneNumber, message: outcome.message,
                status: outcome.status.rawValue, sentAt: outcome.sentAt.map(UTCTimestamp.format),
                errorCode: outcome.errorCode)
            self.provider = provider
            providerMessageID = outcome.providerMessageID
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(success, forKey: .success)
            try container.encode(messageLog, forKey: .messageLog)
            try container.encode(provider, forKey: .provider)
            try container.encode(providerMessageID, forKey: .providerMessageID)
        }

        enum CodingKeys: String, CodingKey {
            case success, messageLog, provider
            case providerMessageID = "providerMessageId"
        }
    }

    /// What a mark answers.
    struct Marked: Encodable {
        var phoneNumber: String
        var mark: String
    }
}
