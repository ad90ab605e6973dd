-- 013: contacts are looked up in the background.
--
-- An imported contact whose number has not been checked has is_textable NULL
-- and is skipped by every campaign as lookup_pending until someone looks it up.
-- The `amplifi lookup` role now does that by itself, at a set rate, for every
-- organization. Each contact records when it was last tried and how often, so a
-- number the carrier cannot resolve is retried later (backing off) and given up
-- after a few tries instead of being asked for again on every pass, and several
-- lookup replicas never ask for the same number at once (a page is claimed by
-- stamping lookup_attempted_at under FOR UPDATE SKIP LOCKED).
--
-- Both columns are added with constant defaults (no table rewrite). The partial
-- index holds only lookup-pending contacts, so it stays small once the backlog
-- is worked off; building it reads the contacts table once.

ALTER TABLE contacts
    ADD COLUMN lookup_attempts     smallint NOT NULL DEFAULT 0,
    ADD COLUMN lookup_attempted_at timestamptz NULL;

CREATE INDEX contacts_lookup_pending_idx ON contacts (lookup_attempted_at NULLS FIRST, org_id, id)
    WHERE is_textable IS NULL AND deleted_at IS NULL AND phone IS NOT NULL;
