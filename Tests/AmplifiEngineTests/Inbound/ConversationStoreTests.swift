import AmplifiEngine
import AmplifiMessaging
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

/// The inbox kept by the statements that store messages: an inbound message starts or moves its
/// number's conversation, an auto-reply the carrier accepted moves it too, the history merges
/// what was received, sent by the campaign and replied; the team's marks.
@Suite struct ConversationStoreTests {
    typealias F = InboundFixtures

    @Test func inboundMessagesAndRepliesKeepTheConversationAndItsHistory() async throws {
        try await withTestDatabase { client, _ in
            let (org, sender, contact) = try await F.orgWithContact(client)
            _ = try await F.campaign(client, org: org, sender: sender, contact: contact)
            let handler = try await F.handler(client, carrier: F.carrier(), logger: F.logger)
            let store = ConversationStore(client: client)

            _ = try await handler.handle(F.message("YES"))
            _ = try await handler.handle(F.message("What are your hours?"))
            _ = try await handler.handle(F.message("Who is this?", from: "+14155550199"))

            let inbox = try await store.list(orgID: org, filter: .init()).conversations
            #expect(inbox.map(\.phoneNumber) == ["+14155550199", F.contactPhone])
            let thread = try #require(inbox.last)
            #expect(thread.contactID == contact && thread.firstName == "Zed")
            #expect(thread.messageCount == 4 && thread.unreadCount == 2 && thread.lastMessageDirection == "outbound")
            #expect(thread.lastMessage == "We are open 9 to 5.")
            #expect(inbox.first?.contactID == nil && inbox.first?.lastMessageDirection == "inbound")

            let history = try await store.history(orgID: org, of: .phone(F.contactPhone), limit: 3)
            #expect(history.messages.map(\.direction) == [.outgoing, .incoming, .outgoing])
            #expect(history.messages.map(\.source) == [.autoReply, nil, .autoReply])
            #expect(history.timezone == "America/New_York")
            let older = try await store.history(
                orgID: org, of: .phone(F.contactPhone), cursor: try #require(history.nextCursor))
            #expect(older.messages.map(\.direction) == [.incoming, .outgoing])
            #expect(older.messages.last?.source == .campaign && older.nextCursor == nil)

            let waiting = try await store.list(orgID: org, filter: .init(unresponded: true)).conversations
            #expect(waiting.map(\.phoneNumber) == ["+14155550199"])
            try await store.mark(orgID: org, phone: F.contactPhone, mark: .read)
            #expect(try await store.list(orgID: org, filter: .init(unread: true)).conversations.count == 1)
            try await store.mark(orgID: org, phone: F.contactPhone, mark: .archive)
            #expect(try await store.list(orgID: org, filter: .init()).conversations.count == 1)
            #expect(try await store.list(orgID: org, filter: .init(includeArchived: true)).conversations.count == 2)
            #expect(try await store.list(orgID: org, filter: .init(search: "zed")).conversations.isEmpty)
            _ = try await handler.handle(F.message("Thanks!"))
            let back = try await store.list(orgID: org, filter: .init(search: "zed")).conversations
            #expect(back.map(\.phoneNumber) == [F.contactPhone] && back.first?.unreadCount == 1)
            do {
                try await store.mark(orgID: UUID(), phone: F.contactPhone, mark: .star)
                Issue.record("marked another organization's conversation")
            } catch let error as EngineError {
                #expect(error.code == .notFound)
            }
        }
    }

    @Test func textsPastTheRetentionWindowAreRedactedAndTheConversationStays() async throws {
        try await withTestDatabase { client, _ in
            let (org, sender, contact) = try await F.orgWithContact(client)
            _ = try await F.campaign(client, org: org, sender: sender, contact: contact)
            let handler = try await F.handler(client, carrier: F.carrier(), logger: F.logger)
            let store = ConversationStore(client: client)
            let retention = MessageRetention(client: client)
            _ = try await handler.handle(F.message("YES"))
            #expect(try await retention.redactExpired() == 0, "no window: nothing goes")

            try await client.query("UPDATE organizations SET message_retention_days = 1 WHERE id = \(org)")
            for (table, column) in [
                ("inbound_messages", "received_at"), ("reply_messages", "created_at"),
                ("conversations", "last_message_at"),
            ] {
                try await client.query(
                    PostgresQuery(
                        sql: "UPDATE \(table) SET \(column) = \(column) - interval '3 days' WHERE org_id = $1", [org]))
            }
            #expect(try await retention.redactExpired() == 3)
            #expect(try await retention.redactExpired() == 0)
            let thread = try #require(try await store.list(orgID: org, filter: .init()).conversations.first)
            #expect(thread.preview == Conversation.redactedPreview && thread.lastMessageRedactedAt != nil)
            #expect(thread.messageCount == 2)
            let history = try await store.history(orgID: org, of: .phone(F.contactPhone))
            let texts = history.messages.filter { $0.source != .campaign }
            #expect(texts.count == 2 && texts.allSatisfy { $0.message == nil && $0.redactedAt != nil })
            #expect(
                history.messages.contains { $0.source == .campaign && $0.redactedAt == nil }, "kept: the campaign's")

            _ = try await handler.handle(F.message("Hello again"))
            let fresh = try #require(try await store.list(orgID: org, filter: .init()).conversations.first)
            #expect(fresh.preview == "Hello again" && fresh.lastMessageRedactedAt == nil)
        }
    }
}
