-- 007: status backfill bookkeeping.
--
-- `amplifi backfill-status` polls the carrier for messages still `sent` (or
-- `unknown`) long after sending. It stamps every row it checked, so an
-- interrupted run can be rerun without polling the same rows again within the
-- same window, and a row the carrier still reports as queued is not polled on
-- every run. Nullable, no default: an instant catalog-only ADD COLUMN, no
-- table rewrite on a table of ~10M rows a month.
ALTER TABLE campaign_messages ADD COLUMN status_checked_at timestamptz NULL;

COMMENT ON COLUMN campaign_messages.status_checked_at IS
    'When backfill last asked the carrier about this row (NULL = never). Backfill skips rows checked within its --older-than window.';

-- Backfill pages through candidates by id (keyset, memory flat) across all
-- organizations: `status IN ('sent', 'unknown') AND id > $after ORDER BY id
-- LIMIT n`. Partial, so it holds only rows waiting for a final status (a row
-- leaves it when it is delivered/undelivered/failed), not the history.
CREATE INDEX campaign_messages_backfill_idx
    ON campaign_messages (id) WHERE status IN ('sent', 'unknown');
