-- 014: status polling has bounds.
--
-- `amplifi backfill-status` asks the carrier about every row still 'sent' (or
-- 'unknown') with no news for a while. A message whose carrier never reports a
-- final status was asked about on every run, forever. Each check is now counted
-- on the row, and the backfill stops polling a row once it was checked a set
-- number of times or once it is older than a horizon (72 hours by default): such
-- rows are counted in the run's report instead, for someone to look at.
--
-- A constant default: no table rewrite.

ALTER TABLE campaign_messages ADD COLUMN status_checks smallint NOT NULL DEFAULT 0;

COMMENT ON COLUMN campaign_messages.status_checks IS
    'How many times the status backfill asked the carrier about this row (it stops at its --max-checks).';
