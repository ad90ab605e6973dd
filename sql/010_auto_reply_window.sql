-- 010_auto_reply_window.sql — at most one automatic reply per (contact,
-- campaign, trigger) within a window (InboundMessageHandler, default 24 h).
--
-- Why a table and not a check on reply_messages: "no reply for this key in the
-- last 24 hours" read by a NOT EXISTS is decided on the statement's snapshot,
-- so two inbound messages stored at the same moment would both see nothing
-- and both reply. Here the statement that stores the pending reply first
-- upserts this row:
--   INSERT … ON CONFLICT (key) DO UPDATE SET last_reply_at = now()
--   WHERE auto_reply_windows.last_reply_at <= now() - window
-- and stores the reply only when that returned a row. A concurrent insert of
-- the same key waits for the first transaction and then re-checks the WHERE
-- on the committed row, so exactly one of any number of racing messages gets
-- the reply (no advisory lock, no retry).
CREATE TABLE auto_reply_windows (
    org_id        uuid NOT NULL REFERENCES organizations (id),
    campaign_id   uuid NOT NULL,
    contact_id    uuid NOT NULL,
    -- What the reply answered: 'yes', 'no' or 'faq:<index>' (AutoReplyTrigger).
    trigger       text NOT NULL CHECK (trigger ~ '^(yes|no|faq:[0-9]+)$'),
    -- When the last reply for this key was stored; the next one may be stored
    -- once this is older than the window.
    last_reply_at timestamptz NOT NULL DEFAULT now(),

    -- org_id first: the Citus distribution column, and the tenant filter.
    PRIMARY KEY (org_id, campaign_id, contact_id, trigger),
    CONSTRAINT auto_reply_windows_campaign_fkey FOREIGN KEY (org_id, campaign_id)
        REFERENCES campaigns (org_id, id),
    CONSTRAINT auto_reply_windows_contact_fkey FOREIGN KEY (org_id, contact_id)
        REFERENCES contacts (org_id, id)
);
COMMENT ON TABLE auto_reply_windows IS
    'Last automatic reply per (campaign, contact, trigger): the race-safe guard that answers a repeated YES (or a bot) at most once per window.';

-- FK support for contact deletes (the PK starts with the campaign).
CREATE INDEX auto_reply_windows_contact_idx ON auto_reply_windows (org_id, contact_id);
