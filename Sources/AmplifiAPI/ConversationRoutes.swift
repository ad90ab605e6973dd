public import AmplifiEngine
import AmplifiHTTP
import AmplifiMessaging
import Foundation
public import Hummingbird

/// The inbox endpoints: conversations listed (`unread`, `unresponded`, `search`,
/// `includeArchived`), a conversation's history newest first with the organization's time zone
/// (scope `conversations:read`), and the team's marks — archive, unarchive, star, unstar, read
/// (scope `messages:write`). A conversation is named by the contact's number, in any US format.
public struct ConversationRoutes: Sendable {
    let store: ConversationStore

    public init(store: ConversationStore) {
        self.store = store
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

    /// What a mark answers.
    struct Marked: Encodable {
        var phoneNumber: String
        var mark: String
    }
}
