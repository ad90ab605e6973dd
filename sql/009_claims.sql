-- 009: every claim has its own id, and what it charged is on its rows.
--
-- Before this migration a send batch's credit batch id was derived from
-- (campaign, chunk, first row, attempt). A row deferred by quiet hours gives its
-- attempt back, so after its release the same first row produced the same id:
-- the debit was skipped as "already charged" and the batch went out unpaid.
-- Each claim now draws a random id, stored on the rows it claimed; the debit,
-- and every refund of it, name that id (credit_ledger.batch_id /
-- refund_of_batch), so a charge can never be mistaken for an earlier one.
--
-- The debit also writes each row's price (campaign_messages.credits) in the
-- same statement. A row whose worker died, or whose carrier answer was
-- ambiguous, can therefore be put back and refunded later by whoever settles
-- it, without the worker's memory.

ALTER TABLE campaign_messages ADD COLUMN claim_id uuid NULL;

COMMENT ON COLUMN campaign_messages.claim_id IS
    'The claim that last took the row (pending -> sending); the credit batch id of its debit and refunds. Writes of a claim''s results are guarded by it.';

COMMENT ON COLUMN campaign_messages.status_checked_at IS
    'When backfill or the settle step last asked the carrier about the row. NULL on an unknown row = not yet settled: the campaign does not complete until it is.';
