-- 024: auto-replies, test sends and the team's replies get their delivery
-- status by callback, like campaign messages.
--
-- The worker-side path is unchanged; a reply's StatusCallback is
-- <public URL>/twilio/status/replies/<org id>/<reply id>, and the receiver
-- moves the row forward only (sent → delivered / undelivered / failed,
-- finals never change; an `unknown` row is settled by any matched report).
-- status_updated_at says when the last report moved it.

ALTER TABLE reply_messages
    DROP CONSTRAINT reply_messages_status_check,
    ADD CONSTRAINT reply_messages_status_check CHECK (
        status IN ('pending', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'unknown')),
    ADD COLUMN status_updated_at timestamptz NULL;
