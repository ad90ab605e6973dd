-- 012: a claim's prices travel on its debit, not as a second write of every row.
--
-- Until now the debit of a send claim also wrote each claimed row's price
-- (campaign_messages.credits) in the same statement, so that whoever later put
-- a row back or settled it could refund exactly what its claim charged without
-- the worker's memory. That was a second full row update per message between
-- the claim (pending -> sending) and the result (sending -> sent): every
-- campaign_messages update changes an indexed column (status), so none of them
-- is a cheap HOT update, and the extra one cost a third of the send path's row
-- writes.
--
-- The prices now live on the debit row itself, as two parallel arrays (message
-- id, credits). The worker writes each row's price with its result (it has it
-- in memory); only a row whose worker died before recording it needs the
-- arrays: the stale-claim sweep copies the price from the debit when it moves
-- such a row to 'unknown', so everything downstream (settle, callbacks, the
-- books) reads campaign_messages.credits as before.

ALTER TABLE credit_ledger
    ADD COLUMN priced_message_ids bigint[] NULL,
    ADD COLUMN priced_credits int[] NULL,
    ADD CONSTRAINT credit_ledger_prices_paired CHECK (
        (priced_message_ids IS NULL) = (priced_credits IS NULL)
        AND coalesce(cardinality(priced_message_ids) = cardinality(priced_credits), true)
    ),
    ADD CONSTRAINT credit_ledger_prices_on_debits CHECK (priced_message_ids IS NULL OR kind = 'debit');

COMMENT ON COLUMN credit_ledger.priced_message_ids IS
    'A send claim''s debit: the campaign_messages ids it paid for, parallel to priced_credits. Read only when a row''s worker died before recording its price.';
COMMENT ON COLUMN credit_ledger.priced_credits IS
    'A send claim''s debit: what each row of priced_message_ids cost.';
