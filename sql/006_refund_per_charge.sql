-- 006: a refund belongs to the charge it gives back.
--
-- A message can be charged more than once: a transient carrier failure sends its
-- row back to `pending`, and the retry is a new batch with its own debit. Keyed by
-- (org_id, message_id, kind) alone, the second refusal of the same message could
-- not be refunded and the organization paid for an attempt that never went out.
-- Refunds now name the batch whose debit they return, and are unique per
-- (message, charging batch): every refused attempt is refunded exactly once.

ALTER TABLE credit_ledger ADD COLUMN refund_of_batch text NULL;

COMMENT ON COLUMN credit_ledger.refund_of_batch IS
    'For refunds: the batch_id of the debit this refund gives back (NULL for other kinds).';

-- New refunds must name their charge (NOT VALID: rows written before this
-- migration keep their NULL and are not re-checked).
ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_refund_names_batch
    CHECK (kind <> 'refund' OR refund_of_batch IS NOT NULL) NOT VALID;

ALTER TABLE credit_ledger DROP CONSTRAINT credit_ledger_message_once;

-- One refund per message per charge; ON CONFLICT DO NOTHING makes retries no-ops.
CREATE UNIQUE INDEX credit_ledger_refund_once
    ON credit_ledger (org_id, message_id, refund_of_batch) WHERE kind = 'refund';

-- Other per-message rows (none are written today) keep the old rule.
CREATE UNIQUE INDEX credit_ledger_message_once
    ON credit_ledger (org_id, message_id, kind) WHERE kind <> 'refund' AND message_id IS NOT NULL;

-- The ledger trigger decides "duplicate, leave the balance alone" with the same
-- key as the unique indexes; it must follow the new refund key too, or a second
-- refund would be inserted without moving the balance. Same function as in 004
-- except for that one condition.
CREATE OR REPLACE FUNCTION credit_ledger_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_balance bigint;
    v_active  boolean;
BEGIN
    SELECT credit_balance, billing_active INTO v_balance, v_active
      FROM organizations WHERE id = NEW.org_id
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'organization % does not exist', NEW.org_id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'credit_ledger_org_id_fkey';
    END IF;

    IF (NEW.batch_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM credit_ledger
             WHERE org_id = NEW.org_id AND batch_id = NEW.batch_id AND kind = NEW.kind))
       OR (NEW.message_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM credit_ledger
             WHERE org_id = NEW.org_id AND message_id = NEW.message_id AND kind = NEW.kind
               -- a refund is a duplicate only of a refund of the same charge (006)
               AND refund_of_batch IS NOT DISTINCT FROM NEW.refund_of_batch))
    THEN
        NEW.balance_after := v_balance;   -- duplicate: the unique key rejects/skips it
        RETURN NEW;
    END IF;

    IF NEW.kind = 'debit' AND NOT v_active THEN
        RAISE EXCEPTION 'billing is inactive for organization %', NEW.org_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'organizations_billing_active';
    END IF;

    -- Number the row only now, under the org lock: the identity default was
    -- drawn before the lock was taken, so concurrent inserts could otherwise
    -- commit out of id order, and "replay the ledger in id order" would not
    -- reproduce balance_after. (Costs a gap in the sequence; harmless.)
    NEW.id := nextval(pg_get_serial_sequence(TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, 'id'));
    NEW.balance_after := v_balance + NEW.amount;
    IF NEW.balance_after >= 0 THEN
        -- Tell organizations_guard_credit_balance this change comes from the ledger.
        PERFORM set_config('amplifi.ledger_org', NEW.org_id::text, true);
        UPDATE organizations SET credit_balance = NEW.balance_after WHERE id = NEW.org_id;
        PERFORM set_config('amplifi.ledger_org', '', true);
    END IF;
    -- balance_after < 0: the CHECK credit_ledger_sufficient_credits rejects
    -- the row right after this trigger returns; the balance was not touched.
    RETURN NEW;
END;
$$;
