-- 022: the team answers a conversation (POST /api/conversations/{phone}/reply).
--
-- A manual reply is a reply_messages row of kind 'manual_reply', sent on the
-- single-message path like an auto-reply, ahead of campaign traffic on its
-- number. It answers no particular inbound message and may belong to no
-- campaign (a contact who texted in without ever getting one), so it is
-- charged to the organization alone (credit batch manual:<id>, campaign_id
-- NULL). created_by says who sent it ('api_key:<id>').

ALTER TABLE reply_messages
    DROP CONSTRAINT reply_messages_kind_check,
    ADD CONSTRAINT reply_messages_kind_check CHECK (kind IN ('auto_reply', 'test_send', 'manual_reply')),
    ALTER COLUMN campaign_id DROP NOT NULL,
    ADD CONSTRAINT reply_messages_campaign_unless_manual CHECK (kind = 'manual_reply' OR campaign_id IS NOT NULL),
    ADD COLUMN created_by text NULL;
