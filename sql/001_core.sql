-- 001_core.sql — shared helpers, time zones, organizations, their sender
-- numbers and API keys.
--
-- Conventions for every migration in this folder:
--  * The runner wraps each file in one transaction and records it in its own
--    schema_migrations table; files never BEGIN/COMMIT themselves.
--  * Every tenant table carries org_id (the future Citus distribution column
--    and the basis of tenant isolation). Parents expose UNIQUE (org_id, id) and
--    children reference them with composite foreign keys, so a row can never
--    point at another organization's row, whatever the application does.
--  * text + CHECK instead of enum types: adding a value is a one-line
--    migration and never needs ALTER TYPE outside a transaction.
--  * timestamptz everywhere; all times are UTC instants.
--  * Nothing cascades on delete: sends, money and replies are history. Deleting
--    a parent that still has history fails loudly (RESTRICT) instead of
--    silently destroying the audit trail.

-- btree_gin lets one GIN index combine org_id (btree-style equality) with an
-- array column, so a tag filter only touches the tenant's own postings instead
-- of every organization's contacts tagged 'vip'. It is a "trusted" contrib
-- extension (PG13+): the database owner can create it without superuser.
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- ---------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------

-- Keeps updated_at honest without every UPDATE having to remember it.
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

-- Number of top-level keys of a JSON object (NULL for a non-object).
-- CHECK constraints cannot contain subqueries, so the count lives in an
-- IMMUTABLE function. It deliberately never raises on arrays/scalars:
-- Postgres does not promise to evaluate `jsonb_typeof(x) = 'object' AND ...`
-- left to right, and a bad value must fail as a check violation, not as a
-- "cannot call jsonb_object_keys on an array" error.
CREATE FUNCTION jsonb_object_key_count(j jsonb) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(j) = 'object'
                THEN (SELECT count(*)::integer FROM jsonb_object_keys(j))
           END
$$;

-- ---------------------------------------------------------------------------
-- time_zones
-- ---------------------------------------------------------------------------

-- Every IANA zone name this server's tz database knows. Quiet hours are
-- computed in SQL with `AT TIME ZONE tz`; one misspelt zone on one contact
-- would make that whole batch query error out and stall a campaign. A foreign
-- key to this table rejects the bad value at import time instead, with an
-- index probe (far cheaper per row than scanning pg_timezone_names or a
-- plpgsql exception block). Global reference data: the one table without
-- org_id (a Citus reference table later). After a tzdata upgrade that adds
-- zones, re-run the INSERT below (it is idempotent).
CREATE TABLE time_zones (
    name text PRIMARY KEY
);
COMMENT ON TABLE time_zones IS
    'IANA time zone names accepted by AT TIME ZONE; FK target for every timezone column so quiet-hours SQL never meets an unknown zone.';

INSERT INTO time_zones (name)
SELECT name FROM pg_timezone_names
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------
-- organizations
-- ---------------------------------------------------------------------------

CREATE TABLE organizations (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                     text NOT NULL CHECK (btrim(name) <> ''),
    -- Last fallback for quiet hours (recipient tz -> campaign tz -> org tz).
    timezone                 text NOT NULL DEFAULT 'America/New_York'
                             REFERENCES time_zones (name),
    -- Credits available to spend. Written ONLY by the credit_ledger trigger
    -- (004_credits.sql): it always equals SUM(credit_ledger.amount) for the
    -- org. The CHECK is the last line of defence against overspending.
    credit_balance           bigint NOT NULL DEFAULT 0 CHECK (credit_balance >= 0),
    -- Billing switched off (unpaid invoice, suspended account): no new debits;
    -- sending campaigns pause with reason 'insufficient_credits'.
    billing_active           boolean NOT NULL DEFAULT true,
    -- Fairness: how many of the org's campaigns may be queued/sending at once.
    max_concurrent_campaigns integer NOT NULL DEFAULT 2 CHECK (max_concurrent_campaigns > 0),
    -- Bulk sends only happen inside [start, end) recipient-local time. A window
    -- that wraps midnight is not supported (nor wanted: TCPA-style rules are
    -- daytime windows), hence start < end.
    quiet_hours_start        time NOT NULL DEFAULT '08:00',
    quiet_hours_end          time NOT NULL DEFAULT '21:00',
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT organizations_quiet_hours_order CHECK (quiet_hours_start < quiet_hours_end)
);
COMMENT ON TABLE organizations IS
    'Tenants. id is the org_id every other table carries. credit_balance = SUM(credit_ledger.amount), maintained by the ledger trigger only.';

CREATE TRIGGER organizations_set_updated_at
    BEFORE UPDATE ON organizations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Makes "balance = sum of ledger" structural: credit_balance may only change
-- through a credit_ledger insert (whose trigger sets amplifi.ledger_org for
-- the duration of its own UPDATE). A stray
-- `UPDATE organizations SET credit_balance = ...` or an org created with a
-- non-zero balance fails loudly instead of silently breaking the books.
-- (A guard against mistakes, not a security boundary.)
CREATE FUNCTION organizations_guard_credit_balance() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.credit_balance <> 0 THEN
            RAISE EXCEPTION 'organizations.credit_balance must start at 0; add credits with a credit_ledger ''topup'' row'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'organizations_balance_via_ledger';
        END IF;
    ELSIF NEW.credit_balance IS DISTINCT FROM OLD.credit_balance
          AND current_setting('amplifi.ledger_org', true) IS DISTINCT FROM NEW.id::text THEN
        RAISE EXCEPTION 'organizations.credit_balance is changed only by inserting into credit_ledger'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'organizations_balance_via_ledger';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER organizations_guard_credit_balance
    BEFORE INSERT OR UPDATE OF credit_balance ON organizations
    FOR EACH ROW EXECUTE FUNCTION organizations_guard_credit_balance();

-- ---------------------------------------------------------------------------
-- phone_numbers
-- ---------------------------------------------------------------------------

CREATE TABLE phone_numbers (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL REFERENCES organizations (id),
    -- E.164 for long codes and toll-free; short codes are not E.164 (they are
    -- 3-8 national digits, e.g. '12345'), so only they get the short form.
    e164        text NOT NULL,
    is_default  boolean NOT NULL DEFAULT false,
    -- Throughput budget in messages (segments, as carriers count them) per
    -- second, shared by the whole fleet through the Redis limiter. numeric
    -- because low-trust 10DLC brands get fractional rates (e.g. 0.25).
    mps         numeric(10,3) NOT NULL DEFAULT 1 CHECK (mps > 0),
    kind        text NOT NULL DEFAULT 'long_code'
                CHECK (kind IN ('long_code', 'toll_free', 'short_code')),
    provider    text NOT NULL DEFAULT 'twilio' CHECK (provider <> ''),
    -- The carrier's id for the number (Twilio 'PN...'); null until provisioned.
    provider_sid text NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT phone_numbers_e164_format CHECK (
        e164 ~ '^\+[1-9][0-9]{7,14}$'
        OR (kind = 'short_code' AND e164 ~ '^[1-9][0-9]{2,7}$')
    ),
    -- Target of composite FKs (campaigns, inbound_messages): a campaign can
    -- only send from a number of its own organization.
    CONSTRAINT phone_numbers_org_id_id_key UNIQUE (org_id, id),
    -- A real number belongs to exactly one carrier account and so to one org.
    -- Global (stronger than per-org) because inbound messages are routed to an
    -- org by their To number: two orgs holding the same number would make a
    -- STOP ambiguous. phone_numbers stays small, so under Citus it becomes a
    -- reference table, where a global unique key is allowed.
    CONSTRAINT phone_numbers_e164_key UNIQUE (e164)
);
COMMENT ON TABLE phone_numbers IS
    'An organization''s sender numbers, with their per-second throughput budget. Inbound routing looks numbers up by e164.';

-- At most one default sender per org: "no fromPhoneNumberId" must resolve to
-- exactly one number, never to a coin toss.
CREATE UNIQUE INDEX phone_numbers_one_default_per_org
    ON phone_numbers (org_id) WHERE is_default;

CREATE TRIGGER phone_numbers_set_updated_at
    BEFORE UPDATE ON phone_numbers
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- api_keys
-- ---------------------------------------------------------------------------

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id       uuid NOT NULL REFERENCES organizations (id),
    name         text NOT NULL CHECK (btrim(name) <> ''),
    -- SHA-256 (or HMAC-SHA-256) of the secret key. The key itself is shown
    -- once at creation and never stored. The length check catches a short
    -- value (a truncated or non-hash value) written by mistake.
    key_hash     bytea NOT NULL CHECK (octet_length(key_hash) >= 32),
    -- Non-secret leading characters (e.g. 'am_live_ab12') so people can tell
    -- keys apart in listings.
    key_prefix   text NULL,
    -- e.g. '{campaigns:write,conversations:read}'; an empty array grants nothing.
    scopes       text[] NOT NULL DEFAULT '{}'
                 CHECK (array_position(scopes, NULL) IS NULL),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NULL,
    -- Revoked keys are kept (who did what with which key), never deleted.
    revoked_at   timestamptz NULL,

    -- Authentication is one lookup by hash, before the org is known: the hash
    -- is the login, so it is unique across all orgs.
    CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash)
);
COMMENT ON TABLE api_keys IS
    'Per-organization API keys, stored only as hashes; a request is scoped to the org that owns the key.';

CREATE INDEX api_keys_org_id_idx ON api_keys (org_id);
