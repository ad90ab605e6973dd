-- 021: an organization may keep conversation texts for a limited time.
--
-- organizations.message_retention_days (NULL: keep them) is the retention
-- window of what contacts and the team wrote to each other: past it, the
-- scheduler's retention job removes the text of inbound messages and of
-- replies (auto-replies, test sends) and the preview of a conversation whose
-- latest message is that old, and notes when (body_redacted_at,
-- last_message_body_redacted_at). The rows stay: counts, statuses, who and
-- when are kept, and a conversation never disappears. Campaign message texts
-- are the campaign's own and stay with it.

ALTER TABLE organizations ADD COLUMN message_retention_days integer NULL
    CHECK (message_retention_days BETWEEN 1 AND 36500);

ALTER TABLE inbound_messages ADD COLUMN body_redacted_at timestamptz NULL;

ALTER TABLE reply_messages
    ADD COLUMN body_redacted_at timestamptz NULL,
    DROP CONSTRAINT reply_messages_body_check,
    ADD CONSTRAINT reply_messages_body_check CHECK (
        (body <> '' AND char_length(body) <= 1600) OR (body = '' AND body_redacted_at IS NOT NULL)
    );

ALTER TABLE conversations ADD COLUMN last_message_body_redacted_at timestamptz NULL;

-- What the retention job looks for: texts not yet redacted, oldest first, per organization.
CREATE INDEX inbound_messages_unredacted_idx ON inbound_messages (org_id, received_at)
    WHERE body_redacted_at IS NULL;
CREATE INDEX reply_messages_unredacted_idx ON reply_messages (org_id, created_at)
    WHERE body_redacted_at IS NULL;
CREATE INDEX conversations_unredacted_idx ON conversations (org_id, last_message_at)
    WHERE last_message_body_redacted_at IS NULL;
