public import AmplifiMessaging
import AmplifiPostgres
import Foundation

/// The inbound path's SQL: the context of a message (one read) and storing it with everything it
/// causes (one statement, so one transaction).
struct InboundStore: Sendable {
    let client: PostgresClient

    // MARK: - SQL

    // The org that owns the To number: its route (phone_number_routes, a reference table under
    // Citus, so this lookup is local on any node), the one lookup that is not filtered by org,
    // because it is how the org is found. Its own statement, so that the context below filters by a
    // known org_id: under Citus that makes it a single-shard query.
    static func routeQuery(to: String) -> PostgresQuery {
        "SELECT org_id, phone_number_id FROM phone_number_routes WHERE e164 = \(to)"
    }

    // One round trip for everything else the Swift side must decide before writing (keyword,
    // auto-reply), all in the number's org:
    // - The number by its primary key (org_id, id).
    // - The contact by (org_id, phone) (contacts_org_id_phone_key); anonymized contacts have no
    //   phone and so never match. Merge values come back like the claim's (custom fields as a JSON
    //   object of strings) for `{{firstName}}` in a response.
    // - The campaign the contact LAST received: its newest row the carrier took ('sent',
    //   'delivered', 'undelivered') by sent_at. campaign_messages_contact_idx (org_id, contact_id,
    //   created_at) narrows to the contact's rows, a few hundred at most, so the sort is cheap.
    //   By contact, not by phone: there is no phone index, and a stranger was never texted under
    //   that contact.
    static func contextQuery(org: UUID, numberID: UUID, from: String?) -> PostgresQuery {
        """
        SELECT p.id AS number_id, p.org_id, p.e164, c.id AS contact_id,
               coalesce(c.opted_out_at IS NOT NULL, false) AS opted_out,
               \(unescaped: ContactMergeColumns.selectList),
               k.id AS campaign_id, k.auto_reply, k.yes_response, k.no_response, k.faq_replies::text AS faq_replies,
               k.normalize_text, p.mps::float8 AS mps
        FROM phone_numbers p
        LEFT JOIN contacts c ON c.org_id = p.org_id AND c.phone = \(from) AND c.deleted_at IS NULL
        LEFT JOIN LATERAL (
            SELECT m.campaign_id FROM campaign_messages m
            WHERE m.org_id = p.org_id AND m.contact_id = c.id
              AND m.status IN ('sent', 'delivered', 'undelivered')
            ORDER BY m.sent_at DESC NULLS LAST, m.id DESC
            LIMIT 1
        ) last ON true
        LEFT JOIN campaigns k ON k.org_id = p.org_id AND k.id = last.campaign_id
        WHERE p.org_id = \(org) AND p.id = \(numberID)
        """
    }

    /// The row to store for one message (and its reply, when there is one).
    struct Write {
        var context: InboundContext
        var message: InboundMessage
        var keyword: InboundKeyword
        var reply: (to: String, plan: MessagePlan, trigger: AutoReplyTrigger)?
        /// At most one reply per (contact, campaign, trigger) within this window.
        var replyWindow: Duration
    }

    // Storing a message is ONE statement, so it is one transaction and one round trip:
    // - The inbound row is inserted ON CONFLICT (provider_message_id, org_id) DO NOTHING and every
    //   other write reads its RETURNING: a redelivered webhook inserts nothing, so it counts,
    //   opts out and replies nothing a second time.
    // - `counted` bumps the campaign: reply_count for everything but opt-outs (docs/product-rules.md#campaigns), and
    //   opt_out_count when the contact is opted in now (read from the statement's snapshot).
    // - `subscription` opts the contact out (opted_out_at = now(), at once: the sender's claim
    //   reads it, so a campaign still sending skips them) or back in, only when that changes
    //   something; a contact whose lookup is pending becomes textable (they just texted us,
    //   docs/product-rules.md#contacts). `changed` (old snapshot vs new row) reports only subscription changes. Its WHERE reads `counted`, which makes the campaign row be locked before the
    //   contact row — the order SendBatchStore.recordQuery takes them (campaign, then contacts),
    //   so the two can never deadlock.
    // - `answered` claims the reply window of (campaign, contact, trigger) in auto_reply_windows:
    //   an upsert whose DO UPDATE only fires when the last reply is older than the window, so of
    //   any number of concurrent messages exactly one gets a row back (the others wait for it on the
    //   key and then re-check the committed row). Like `subscription`, it reads `counted` so the
    //   campaign row is locked first (every message of a campaign takes the locks in one order).
    // - `reply` stores the auto-reply as 'pending' in the same transaction, only when `answered`
    //   returned a row, so a crash after the commit leaves it for sendPendingReplies and never loses
    //   or duplicates it.
    // - `thread` starts or moves the number's conversation (sql/020_conversations.sql): latest
    //   message, one more unread, out of the archive. It runs only for a new inbound row.
    static func storeQuery(_ write: Write) -> PostgresQuery {
        let context = write.context
        let org = context.orgID
        let contact = context.contactID
        let campaign = context.campaignID
        let keyword = write.keyword.databaseValue
        let plan = write.reply?.plan
        let replyTo = write.reply?.to
        let replyBody = plan?.text
        let encoding: String? = plan.map { $0.encoding.databaseValue }
        let segments: Int? = plan.map { max(1, $0.segmentCount) }
        let credits: Int? = plan?.credits
        let trigger = write.reply?.trigger.windowKey
        return """
            WITH inserted AS (
                INSERT INTO inbound_messages (org_id, contact_id, phone_number_id, from_phone, to_phone, body,
                                              media_urls, provider_message_id, keyword, campaign_id)
                VALUES (\(org), \(contact)::uuid, \(context.phoneNumberID), \(write.message.from),
                        \(write.message.to), \(write.message.body), \(write.message.mediaURLs)::text[],
                        \(write.message.providerMessageID), \(keyword)::text, \(campaign)::uuid)
                ON CONFLICT (provider_message_id, org_id) DO NOTHING
                RETURNING id
            ), counted AS (
                UPDATE campaigns k SET
                    reply_count = k.reply_count
                        + CASE WHEN \(keyword)::text IS DISTINCT FROM 'opt_out' THEN 1 ELSE 0 END,
                    opt_out_count = k.opt_out_count
                        + CASE WHEN \(keyword)::text = 'opt_out' AND EXISTS (
                              SELECT 1 FROM contacts c
                              WHERE c.org_id = \(org) AND c.id = \(contact)::uuid AND c.opted_out_at IS NULL)
                          THEN 1 ELSE 0 END
                FROM inserted
                WHERE k.org_id = \(org) AND k.id = \(campaign)::uuid
                RETURNING 1
            ), subscription AS (
                UPDATE contacts c
                SET opted_out_at = CASE WHEN \(keyword)::text = 'opt_out' THEN coalesce(c.opted_out_at, now())
                                        WHEN \(keyword)::text = 'opt_in' THEN NULL
                                        ELSE c.opted_out_at END,
                    -- product rule: a contact who texted in is textable (settles a pending lookup).
                    is_textable = coalesce(c.is_textable, true)
                FROM inserted, (SELECT opted_out_at AS was FROM contacts
                                WHERE org_id = \(org) AND id = \(contact)::uuid) old
                WHERE c.org_id = \(org) AND c.id = \(contact)::uuid
                  AND (SELECT count(*) FROM counted) >= 0
                  AND ((\(keyword)::text = 'opt_out' AND c.opted_out_at IS NULL)
                       OR (\(keyword)::text = 'opt_in' AND c.opted_out_at IS NOT NULL)
                       OR c.is_textable IS NULL)
                RETURNING (old.was IS NULL) <> (c.opted_out_at IS NULL) AS changed
            ), answered AS (
                INSERT INTO auto_reply_windows AS w (org_id, campaign_id, contact_id, trigger, last_reply_at)
                SELECT \(org), \(campaign)::uuid, \(contact)::uuid, \(trigger)::text, now()
                FROM inserted
                WHERE \(replyBody)::text IS NOT NULL AND (SELECT count(*) FROM counted) >= 0
                ON CONFLICT (org_id, campaign_id, contact_id, trigger) DO UPDATE SET last_reply_at = excluded.last_reply_at
                WHERE w.last_reply_at <= now() - make_interval(secs => \(write.replyWindow.asSeconds))
                RETURNING 1
            ), reply AS (
                INSERT INTO reply_messages (org_id, inbound_message_id, campaign_id, contact_id, phone_number_id,
                                            to_phone, body, encoding, segments, credits)
                SELECT \(org), i.id, \(campaign)::uuid, \(contact)::uuid, \(context.phoneNumberID),
                       \(replyTo)::text, \(replyBody)::text, \(encoding)::text, \(segments)::int, \(credits)::int
                FROM inserted i
                WHERE \(replyBody)::text IS NOT NULL AND EXISTS (SELECT 1 FROM answered)
                RETURNING id
            ), thread AS (
                INSERT INTO conversations AS t (org_id, contact_phone, phone_number_id, contact_id, last_message_at,
                                                last_direction, last_preview, message_count, unread_count)
                SELECT \(org), \(write.message.from), \(context.phoneNumberID), \(contact)::uuid, now(), 'inbound',
                       left(\(write.message.body), 160), 1, 1
                FROM inserted
                ON CONFLICT (org_id, contact_phone) DO UPDATE SET
                    phone_number_id = excluded.phone_number_id,
                    contact_id = coalesce(excluded.contact_id, t.contact_id),
                    last_message_at = excluded.last_message_at, last_direction = 'inbound',
                    last_preview = excluded.last_preview, message_count = t.message_count + 1,
                    unread_count = t.unread_count + 1, archived_at = NULL, last_message_body_redacted_at = NULL
                RETURNING 1
            )
            SELECT i.id, (SELECT id FROM reply), (SELECT count(*) FROM subscription WHERE changed)
            FROM inserted i
            """
    }

    // A STOP from a number that is no contact of the org yet: the number is kept as an opted-out
    // contact (is_textable true: it just texted us), so it stays suppressed when it is imported
    // later — an import never opts a contact back in. ON CONFLICT covers a contact created
    // meanwhile (contacts_org_id_phone_key): it is opted out, never back in.
    static func suppressQuery(org: UUID, phone: String) -> PostgresQuery {
        """
        INSERT INTO contacts (org_id, phone, is_textable, opted_out_at)
        VALUES (\(org), \(phone), true, now())
        ON CONFLICT (org_id, phone) DO UPDATE SET opted_out_at = coalesce(contacts.opted_out_at, now())
        RETURNING id
        """
    }

    // MARK: - Calls

    /// Keeps `phone` (E.164) opted out in `org` as a contact; returns the contact's id.
    func suppress(org: UUID, phone: String) async throws -> UUID {
        try await client.query(Self.suppressQuery(org: org, phone: phone))[0].decode(UUID.self, at: 0)
    }

    /// The message's context, or nil when no organization owns the To number. Two round trips: the
    /// number's route, then everything in its org.
    func context(to: String, from: String?) async throws -> InboundContext? {
        guard let route = try await client.query(Self.routeQuery(to: to)).first else { return nil }
        let (org, number) = try route.decode((UUID, UUID).self)
        let context = try await client.query(Self.contextQuery(org: org, numberID: number, from: from))
        guard let row = context.first else { return nil }
        let numberID = try row.decode(UUID.self, named: "number_id")
        let orgID = try row.decode(UUID.self, named: "org_id")
        let e164 = try row.decode(String.self, named: "e164")
        let contactID = try row.decode(UUID?.self, named: "contact_id")
        let optedOut = try row.decode(Bool.self, named: "opted_out")
        let campaignID = try row.decode(UUID?.self, named: "campaign_id")
        let autoReply = try row.decode(Bool?.self, named: "auto_reply")
        let yes = try row.decode(String?.self, named: "yes_response")
        let no = try row.decode(String?.self, named: "no_response")
        let faqJSON = try row.decode(String?.self, named: "faq_replies")
        let normalize = try row.decode(Bool?.self, named: "normalize_text")
        let mps = try row.decode(Double.self, named: "mps")
        let values = try contactID.map { _ in
            try ContactMergeColumns.decode(
                row, at: try ContactMergeColumns.start(in: context), phone: from ?? "", decoder: JSONDecoder())
        }
        var settings: AutoReplySettings?
        if let autoReply {
            let faqs = faqJSON.flatMap { try? JSONDecoder().decode([FAQReply].self, from: Data($0.utf8)) } ?? []
            settings = AutoReplySettings(enabled: autoReply, yesResponse: yes, noResponse: no, faqs: faqs)
        }
        return InboundContext(
            phoneNumberID: numberID, orgID: orgID, numberE164: e164, numberMPS: mps, contactID: contactID,
            contactOptedOut: optedOut,
            values: values, campaignID: campaignID, settings: settings, normalizeText: normalize ?? true)
    }

    /// Stores the message; nil for a duplicate, else its id, the reply's id and whether the
    /// contact's subscription changed.
    func store(_ write: Write) async throws -> (inboundID: UUID, replyID: Int64?, subscriptionChanged: Bool)? {
        guard let row = try await client.query(Self.storeQuery(write)).first else { return nil }
        let (id, replyID, changed) = try row.decode((UUID, Int64?, Int64).self)
        return (id, replyID, changed > 0)
    }
}

extension InboundKeyword {
    /// The value stored in `inbound_messages.keyword`: `opt_out`, `opt_in`, `help`; nil for an
    /// ordinary reply.
    public var databaseValue: String? {
        switch self {
        case .optOut: "opt_out"
        case .optIn: "opt_in"
        case .help: "help"
        case .reply: nil
        }
    }
}
