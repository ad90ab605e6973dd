-- 011_distribution_keys.sql — every key of a tenant table contains org_id, so the
-- schema can be distributed by org_id over Citus workers (docs/scaling.md).
--
-- In a Citus distributed table the primary key, every unique constraint and
-- every unique index must contain the distribution column, and a foreign key
-- between two distributed tables must include it on both sides. Before this
-- migration most primary keys were `id` alone (each table also carried
-- UNIQUE (org_id, id) as the target of the composite foreign keys),
-- campaign_messages was unique on (campaign_id, contact_id), and two lookups
-- that find the org from something global relied on globally unique columns:
-- phone_numbers.e164 (inbound messages are routed by their To number) and
-- api_keys.key_hash (a request is authenticated before its org is known).
--
-- After it:
--  * every tenant table's primary key is (org_id, id); the UNIQUE (org_id, id)
--    constraints it makes redundant are gone and the composite foreign keys
--    reference the primary keys instead (same names, same ON DELETE actions);
--  * campaign_messages' idempotency key is UNIQUE (org_id, campaign_id,
--    contact_id) (planning: ON CONFLICT (org_id, campaign_id, contact_id));
--  * the global lookups go through two small routing tables, reference tables
--    under Citus: phone_number_routes (e164 → org, number) and api_key_routes
--    (key_hash → org, key). Their primary keys keep e164 and key_hash unique
--    across all organizations, as before; triggers on phone_numbers and
--    api_keys keep them in step.
--
-- Kept as they were, on purpose:
--  * the carrier-id keys (provider_message_id, org_id) of campaign_messages,
--    inbound_messages and reply_messages already contain org_id. The sid stays
--    first so that a lookup by sid alone (a status report whose org is not
--    known: a callback of a message sent before this migration) still uses the
--    index — on each shard, under Citus;
--  * organizations: the tenant table, distributed by its own id (= org_id);
--  * time_zones: reference data without org_id;
--  * pending_delivery_events: its org_id is NULL for the reports whose org is
--    not known, so it cannot be distributed by org_id; it stays one table on
--    the coordinator (docs/scaling.md).
--
-- Safe on a database holding data: nothing is deleted or rewritten; the new
-- primary keys are built from rows that were already unique on (org_id, id),
-- and the re-added foreign keys are re-validated against rows that satisfied
-- the same rule before. Each table is locked (ACCESS EXCLUSIVE) while its new
-- primary key index builds: on a large campaign_messages, run it in a quiet
-- window (the whole file is one transaction).

-- ---------------------------------------------------------------------------
-- 1. Foreign keys that reference the UNIQUE (org_id, id) constraints dropped
--    below. Re-added in step 4 against the new primary keys.
-- ---------------------------------------------------------------------------

ALTER TABLE campaigns
    DROP CONSTRAINT campaigns_segment_fkey,
    DROP CONSTRAINT campaigns_from_phone_number_fkey;
ALTER TABLE campaign_messages
    DROP CONSTRAINT campaign_messages_campaign_fkey,
    DROP CONSTRAINT campaign_messages_contact_fkey;
ALTER TABLE credit_ledger
    DROP CONSTRAINT credit_ledger_campaign_fkey;
ALTER TABLE inbound_messages
    DROP CONSTRAINT inbound_messages_contact_fkey,
    DROP CONSTRAINT inbound_messages_phone_number_fkey,
    DROP CONSTRAINT inbound_messages_campaign_fkey;
ALTER TABLE reply_messages
    DROP CONSTRAINT reply_messages_inbound_fkey,
    DROP CONSTRAINT reply_messages_campaign_fkey,
    DROP CONSTRAINT reply_messages_contact_fkey,
    DROP CONSTRAINT reply_messages_phone_number_fkey;
ALTER TABLE auto_reply_windows
    DROP CONSTRAINT auto_reply_windows_campaign_fkey,
    DROP CONSTRAINT auto_reply_windows_contact_fkey;

-- ---------------------------------------------------------------------------
-- 2. Primary keys (org_id, id). Where a UNIQUE (org_id, id) existed it is
--    dropped: the primary key is the same index.
-- ---------------------------------------------------------------------------

ALTER TABLE phone_numbers
    DROP CONSTRAINT phone_numbers_org_id_id_key,
    DROP CONSTRAINT phone_numbers_pkey,
    ADD CONSTRAINT phone_numbers_pkey PRIMARY KEY (org_id, id);

ALTER TABLE api_keys
    DROP CONSTRAINT api_keys_pkey,
    ADD CONSTRAINT api_keys_pkey PRIMARY KEY (org_id, id);
-- The primary key now starts with org_id: this index is redundant.
DROP INDEX api_keys_org_id_idx;

-- Also the keyset-paging index of audience expansion and contact lookup
-- (`WHERE org_id = $1 AND id > $cursor ORDER BY id`).
ALTER TABLE contacts
    DROP CONSTRAINT contacts_org_id_id_key,
    DROP CONSTRAINT contacts_pkey,
    ADD CONSTRAINT contacts_pkey PRIMARY KEY (org_id, id);

ALTER TABLE segments
    DROP CONSTRAINT segments_org_id_id_key,
    DROP CONSTRAINT segments_pkey,
    ADD CONSTRAINT segments_pkey PRIMARY KEY (org_id, id);

ALTER TABLE campaigns
    DROP CONSTRAINT campaigns_org_id_id_key,
    DROP CONSTRAINT campaigns_pkey,
    ADD CONSTRAINT campaigns_pkey PRIMARY KEY (org_id, id);
-- A campaign by its id alone: the operator commands given an id without
-- --org (CampaignStore.orgID(ofCampaign:)). Not unique — the primary key is;
-- under Citus this lookup asks every shard.
CREATE INDEX campaigns_id_idx ON campaigns (id);

ALTER TABLE campaign_messages
    DROP CONSTRAINT campaign_messages_pkey,
    ADD CONSTRAINT campaign_messages_pkey PRIMARY KEY (org_id, id),
    -- The idempotency key: a contact gets a campaign at most once, however
    -- often planning is retried (ON CONFLICT (org_id, campaign_id, contact_id)
    -- DO NOTHING).
    DROP CONSTRAINT campaign_messages_campaign_contact_key,
    ADD CONSTRAINT campaign_messages_campaign_contact_key UNIQUE (org_id, campaign_id, contact_id);

-- Per org, rows in id order still replay balance_after (the trigger numbers
-- rows under the org lock, 004).
ALTER TABLE credit_ledger
    DROP CONSTRAINT credit_ledger_pkey,
    ADD CONSTRAINT credit_ledger_pkey PRIMARY KEY (org_id, id);

ALTER TABLE delivery_events
    DROP CONSTRAINT delivery_events_pkey,
    ADD CONSTRAINT delivery_events_pkey PRIMARY KEY (org_id, id);

ALTER TABLE inbound_messages
    DROP CONSTRAINT inbound_messages_org_id_id_key,
    DROP CONSTRAINT inbound_messages_pkey,
    ADD CONSTRAINT inbound_messages_pkey PRIMARY KEY (org_id, id);

ALTER TABLE reply_messages
    DROP CONSTRAINT reply_messages_pkey,
    ADD CONSTRAINT reply_messages_pkey PRIMARY KEY (org_id, id);

-- ---------------------------------------------------------------------------
-- 3. Routing tables: what a global value (a number, a key hash) belongs to.
-- ---------------------------------------------------------------------------

-- Inbound messages arrive addressed to a number, before the org is known. The
-- number's route is the one lookup not filtered by org (InboundStore); under
-- Citus it is a reference table (a copy on every node), so the lookup is local
-- wherever it runs. Its primary key is what keeps a number in one
-- organization: two orgs holding the same number would make a STOP ambiguous.
-- No foreign keys: a reference table cannot reference a distributed one.
CREATE TABLE phone_number_routes (
    e164            text PRIMARY KEY,
    org_id          uuid NOT NULL,
    phone_number_id uuid NOT NULL
);
COMMENT ON TABLE phone_number_routes IS
    'Which organization and sender number an E.164 number belongs to; kept by the phone_numbers trigger. The inbound path finds the org here. A Citus reference table.';

-- A request authenticates with its key before its org is known: the key
-- hash's route says whose key it is (a reference table under Citus, like
-- phone_number_routes). Its primary key keeps a hash unique across orgs.
CREATE TABLE api_key_routes (
    key_hash   bytea PRIMARY KEY,
    org_id     uuid NOT NULL,
    api_key_id uuid NOT NULL
);
COMMENT ON TABLE api_key_routes IS
    'Which organization and API key a key hash belongs to; kept by the api_keys trigger. A Citus reference table.';

-- Keeps a routing table in step with its source table, whatever writes the
-- source (the application, a fixture, a benchmark). Arguments: the routing
-- table, the column both tables hold the routed value in, and the routing
-- table's id column; the route's org_id and id come from the source row's
-- org_id and id. A value already routed elsewhere fails with unique_violation
-- on the routing table's primary key (e.g. phone_number_routes_pkey), which
-- is how "this number belongs to another organization" surfaces.
-- Under Citus a trigger on a distributed table must not write a reference
-- table; see docs/scaling.md for how this moves into the writing code then.
CREATE FUNCTION sync_org_route() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_routes    text := TG_ARGV[0];
    v_value     text := TG_ARGV[1];
    v_target_id text := TG_ARGV[2];
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format('DELETE FROM %I WHERE %I = ($1).%I AND org_id = ($1).org_id AND %I = ($1).id',
                       v_routes, v_value, v_value, v_target_id)
        USING OLD;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format('INSERT INTO %I (%I, org_id, %I) VALUES (($1).%I, ($1).org_id, ($1).id)',
                       v_routes, v_value, v_target_id, v_value)
        USING NEW;
    END IF;
    RETURN NULL;
END;
$$;

INSERT INTO phone_number_routes (e164, org_id, phone_number_id)
SELECT e164, org_id, id FROM phone_numbers;

-- The route's primary key now keeps e164 unique across organizations.
ALTER TABLE phone_numbers DROP CONSTRAINT phone_numbers_e164_key;

CREATE TRIGGER phone_numbers_sync_route
    AFTER INSERT OR UPDATE OF e164, org_id, id OR DELETE ON phone_numbers
    FOR EACH ROW EXECUTE FUNCTION sync_org_route('phone_number_routes', 'e164', 'phone_number_id');

INSERT INTO api_key_routes (key_hash, org_id, api_key_id)
SELECT key_hash, org_id, id FROM api_keys;

-- The route's primary key now keeps key_hash unique across organizations.
ALTER TABLE api_keys DROP CONSTRAINT api_keys_key_hash_key;

CREATE TRIGGER api_keys_sync_route
    AFTER INSERT OR UPDATE OF key_hash, org_id, id OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION sync_org_route('api_key_routes', 'key_hash', 'api_key_id');

-- ---------------------------------------------------------------------------
-- 4. The composite foreign keys again, now referencing the primary keys.
-- ---------------------------------------------------------------------------

ALTER TABLE campaigns
    ADD CONSTRAINT campaigns_segment_fkey FOREIGN KEY (org_id, segment_id)
        REFERENCES segments (org_id, id),
    ADD CONSTRAINT campaigns_from_phone_number_fkey FOREIGN KEY (org_id, from_phone_number_id)
        REFERENCES phone_numbers (org_id, id);

ALTER TABLE campaign_messages
    ADD CONSTRAINT campaign_messages_campaign_fkey FOREIGN KEY (org_id, campaign_id)
        REFERENCES campaigns (org_id, id) ON DELETE RESTRICT,
    ADD CONSTRAINT campaign_messages_contact_fkey FOREIGN KEY (org_id, contact_id)
        REFERENCES contacts (org_id, id) ON DELETE RESTRICT;

ALTER TABLE credit_ledger
    ADD CONSTRAINT credit_ledger_campaign_fkey FOREIGN KEY (org_id, campaign_id)
        REFERENCES campaigns (org_id, id) ON DELETE RESTRICT;

ALTER TABLE inbound_messages
    ADD CONSTRAINT inbound_messages_contact_fkey FOREIGN KEY (org_id, contact_id)
        REFERENCES contacts (org_id, id) ON DELETE SET NULL (contact_id),
    ADD CONSTRAINT inbound_messages_phone_number_fkey FOREIGN KEY (org_id, phone_number_id)
        REFERENCES phone_numbers (org_id, id),
    ADD CONSTRAINT inbound_messages_campaign_fkey FOREIGN KEY (org_id, campaign_id)
        REFERENCES campaigns (org_id, id) ON DELETE SET NULL (campaign_id);

ALTER TABLE reply_messages
    ADD CONSTRAINT reply_messages_inbound_fkey FOREIGN KEY (org_id, inbound_message_id)
        REFERENCES inbound_messages (org_id, id) ON DELETE RESTRICT,
    ADD CONSTRAINT reply_messages_campaign_fkey FOREIGN KEY (org_id, campaign_id)
        REFERENCES campaigns (org_id, id) ON DELETE RESTRICT,
    ADD CONSTRAINT reply_messages_contact_fkey FOREIGN KEY (org_id, contact_id)
        REFERENCES contacts (org_id, id) ON DELETE SET NULL (contact_id),
    ADD CONSTRAINT reply_messages_phone_number_fkey FOREIGN KEY (org_id, phone_number_id)
        REFERENCES phone_numbers (org_id, id);

ALTER TABLE auto_reply_windows
    ADD CONSTRAINT auto_reply_windows_campaign_fkey FOREIGN KEY (org_id, campaign_id)
        REFERENCES campaigns (org_id, id),
    ADD CONSTRAINT auto_reply_windows_contact_fkey FOREIGN KEY (org_id, contact_id)
        REFERENCES contacts (org_id, id);
