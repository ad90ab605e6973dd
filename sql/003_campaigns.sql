-- 003_campaigns.sql — campaigns and their per-recipient send records.

CREATE TABLE campaigns (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id               uuid NOT NULL REFERENCES organizations (id),
    name                 text NOT NULL CHECK (btrim(name) <> ''),
    -- Template with merge fields ({{firstName}}, custom keys, ...). Drafts may
    -- be incomplete; anything submitted must have a body. 1600 characters is
    -- the carrier's hard limit for one message body.
    message              text NULL CHECK (char_length(message) <= 1600),

    -- Audience: a saved segment XOR an ad-hoc filter (docs/product-rules.md#campaigns).
    segment_id           uuid NULL,
    contact_filter       jsonb NULL CHECK (jsonb_typeof(contact_filter) = 'object'),

    -- Sender. NULL until resolved: the API defaults it to the org's default
    -- number, and the planner stores the resolved id before sending.
    from_phone_number_id uuid NULL,
    -- When a 'scheduled' campaign becomes 'pending' (UTC instant).
    scheduled_for        timestamptz NULL,
    -- Campaign-level quiet-hours zone, used when the contact has none.
    timezone             text NULL REFERENCES time_zones (name),
    media_url            text NULL CHECK (media_url ~ '^https?://'),
    force_route          text NOT NULL DEFAULT 'AUTO' CHECK (force_route IN ('AUTO', 'SMS', 'MMS')),
    channel              text NOT NULL DEFAULT 'text' CHECK (channel IN ('text')),
    normalize_text       boolean NOT NULL DEFAULT true,

    -- A/B: 5% get variant A, 5% get B, the rest are 'held' until a winner is
    -- picked (by reply rate after ab_decide_after, or by ops).
    ab_test              boolean NOT NULL DEFAULT false,
    message_variant_a    text NULL CHECK (char_length(message_variant_a) <= 1600),
    message_variant_b    text NULL CHECK (char_length(message_variant_b) <= 1600),
    ab_decide_after      interval NOT NULL DEFAULT '1 hour' CHECK (ab_decide_after > interval '0'),
    ab_winner            text NULL CHECK (ab_winner IN ('A', 'B')),
    ab_decided_at        timestamptz NULL,

    auto_reply           boolean NOT NULL DEFAULT false,
    yes_response         text NULL,
    no_response          text NULL,
    -- [{"question": "...", "answer": "..."}], at most 5 (docs/product-rules.md#campaigns).
    faq_replies          jsonb NOT NULL DEFAULT '[]'
                         CHECK (jsonb_typeof(faq_replies) = 'array' AND jsonb_array_length(faq_replies) <= 5),

    status               text NOT NULL DEFAULT 'draft'
                         CHECK (status IN ('draft', 'scheduled', 'pending', 'queued', 'sending',
                                           'completed', 'failed', 'paused', 'canceled')),
    -- Machine-readable why for paused/failed/canceled, e.g.
    -- 'insufficient_credits', 'carrier_errors', 'account_setting', 'ops'.
    status_reason        text NULL,
    status_changed_at    timestamptz NOT NULL DEFAULT now(),

    -- Progress counters, bumped once per batch by the worker (never per
    -- message) and reconcilable from campaign_messages at any time.
    audience_count       bigint NOT NULL DEFAULT 0 CHECK (audience_count >= 0),
    skipped_count        bigint NOT NULL DEFAULT 0 CHECK (skipped_count >= 0),
    queued_count         bigint NOT NULL DEFAULT 0 CHECK (queued_count >= 0),
    sent_count           bigint NOT NULL DEFAULT 0 CHECK (sent_count >= 0),
    failed_count         bigint NOT NULL DEFAULT 0 CHECK (failed_count >= 0),
    delivered_count      bigint NOT NULL DEFAULT 0 CHECK (delivered_count >= 0),
    undelivered_count    bigint NOT NULL DEFAULT 0 CHECK (undelivered_count >= 0),
    reply_count          bigint NOT NULL DEFAULT 0 CHECK (reply_count >= 0),
    opt_out_count        bigint NOT NULL DEFAULT 0 CHECK (opt_out_count >= 0),
    -- Net credits spent (debits minus refunds) = -SUM(credit_ledger.amount)
    -- over this campaign's debit/refund rows.
    credits_used         bigint NOT NULL DEFAULT 0 CHECK (credits_used >= 0),

    started_at           timestamptz NULL,
    completed_at         timestamptz NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),

    -- Exactly one audience source once submitted; a draft may have neither
    -- yet, but never both (docs/product-rules.md#campaigns: "never both").
    CONSTRAINT campaigns_one_audience CHECK (
        (segment_id IS NULL) <> (contact_filter IS NULL)
        OR (status = 'draft' AND segment_id IS NULL AND contact_filter IS NULL)
    ),
    CONSTRAINT campaigns_message_required CHECK (
        status = 'draft' OR (message IS NOT NULL AND btrim(message) <> '')
    ),
    -- abTest requires both variants (drafts may still be composing them).
    CONSTRAINT campaigns_ab_variants_required CHECK (
        NOT ab_test OR status = 'draft'
        OR (message_variant_a IS NOT NULL AND btrim(message_variant_a) <> ''
            AND message_variant_b IS NOT NULL AND btrim(message_variant_b) <> '')
    ),
    -- A winner exists only for an A/B campaign, and is recorded with its time.
    CONSTRAINT campaigns_ab_winner_consistent CHECK (
        (ab_winner IS NULL) = (ab_decided_at IS NULL) AND (ab_winner IS NULL OR ab_test)
    ),
    -- A scheduled campaign without a time would never be promoted.
    CONSTRAINT campaigns_scheduled_has_time CHECK (
        status <> 'scheduled' OR scheduled_for IS NOT NULL
    ),
    CONSTRAINT campaigns_completed_after_started CHECK (
        completed_at IS NULL OR started_at IS NULL OR completed_at >= started_at
    ),
    -- Composite FKs: the segment and the sender must belong to the same org.
    CONSTRAINT campaigns_segment_fkey FOREIGN KEY (org_id, segment_id)
        REFERENCES segments (org_id, id),
    CONSTRAINT campaigns_from_phone_number_fkey FOREIGN KEY (org_id, from_phone_number_id)
        REFERENCES phone_numbers (org_id, id),
    -- Target of composite FKs from campaign_messages, credit_ledger,
    -- inbound_messages.
    CONSTRAINT campaigns_org_id_id_key UNIQUE (org_id, id)
);
COMMENT ON TABLE campaigns IS
    'Bulk sends (docs/product-rules.md#campaigns) with lifecycle status, progress counters and A/B state. Transitions are guarded UPDATE ... WHERE status = ANY(allowed).';

-- Scheduler: `WHERE status = 'scheduled' AND scheduled_for <= now()`. Partial,
-- so it holds only the handful of campaigns waiting, not the history.
CREATE INDEX campaigns_scheduled_for_idx ON campaigns (scheduled_for) WHERE status = 'scheduled';

-- Admission and listing: active campaigns per org (max_concurrent_campaigns),
-- `campaign list` per org and status.
CREATE INDEX campaigns_org_id_status_idx ON campaigns (org_id, status);

-- Work-in-progress across all orgs, oldest first: fair admission of pending
-- campaigns, reconciliation of queued/sending ones after a Redis loss, and
-- A/B decisions. Tiny: finished campaigns drop out.
CREATE INDEX campaigns_active_idx ON campaigns (status, status_changed_at)
    WHERE status IN ('pending', 'queued', 'sending', 'paused');

-- FK support: deleting a segment or a number must not scan all campaigns.
CREATE INDEX campaigns_segment_idx ON campaigns (org_id, segment_id) WHERE segment_id IS NOT NULL;
CREATE INDEX campaigns_from_phone_number_idx ON campaigns (org_id, from_phone_number_id)
    WHERE from_phone_number_id IS NOT NULL;

CREATE TRIGGER campaigns_set_updated_at
    BEFORE UPDATE ON campaigns
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- status_changed_at follows status automatically, so "paused for how long" and
-- "stuck in queued since" never depend on every UPDATE remembering it.
CREATE FUNCTION campaigns_set_status_changed_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.status_changed_at := now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER campaigns_set_status_changed_at
    BEFORE UPDATE OF status ON campaigns
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION campaigns_set_status_changed_at();

-- ---------------------------------------------------------------------------
-- campaign_messages
-- ---------------------------------------------------------------------------

CREATE TABLE campaign_messages (
    -- bigint identity: 8 bytes instead of 16 in every index of a table that
    -- grows ~10M rows a month. Embedded in the status-callback URL.
    id                  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    org_id              uuid NOT NULL,
    campaign_id         uuid NOT NULL,
    contact_id          uuid NOT NULL,
    -- The contact's phone when the row was planned: what we actually texted,
    -- even if the contact changes number later. NULL only for rows that can
    -- never be sent (skipped 'no_phone') or after anonymization of a final row.
    phone               text NULL CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
    -- NULL = not an A/B campaign; 'A'/'B' = the 5% samples; 'main' = the rest,
    -- sent with the winning variant once it is known.
    variant             text NULL CHECK (variant IN ('A', 'B', 'main')),
    -- The chunk job (0-based) the planner assigned the row to.
    chunk               integer NOT NULL DEFAULT 0 CHECK (chunk >= 0),

    -- Filled at render time (send path step 4).
    body                text NULL,
    encoding            text NULL CHECK (encoding IN ('GSM7', 'UCS2')),
    segments            integer NULL CHECK (segments > 0),
    -- Credits charged for this message (segments for SMS, 2 for MMS); 0 after
    -- a refund.
    credits             integer NULL CHECK (credits >= 0),

    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'deferred', 'held', 'sending', 'unknown',
                                          'sent', 'delivered', 'undelivered', 'failed',
                                          'skipped', 'canceled')),
    skip_reason         text NULL
                        CHECK (skip_reason IN ('opted_out', 'not_textable', 'lookup_pending',
                                               'invalid_phone', 'no_phone', 'contact_deleted')),
    -- Quiet hours: not before this instant (the next window opening).
    defer_until         timestamptz NULL,
    -- Carrier's id (Twilio 'SM...'), recorded after the send; callbacks and
    -- backfill find the row by it (or by our id in the callback URL).
    provider_message_id text NULL,
    error_code          text NULL,
    -- Send attempts so far (retryable errors put the row back to pending).
    attempt             integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    -- Lease: which worker claimed the row for sending, and when.
    claimed_by          text NULL,
    claimed_at          timestamptz NULL,
    sent_at             timestamptz NULL,
    status_updated_at   timestamptz NOT NULL DEFAULT now(),
    created_at          timestamptz NOT NULL DEFAULT now(),

    -- skip_reason explains a skip, and only a skip.
    CONSTRAINT campaign_messages_skip_reason_iff_skipped CHECK (
        (status = 'skipped') = (skip_reason IS NOT NULL)
    ),
    -- A row that may still go out must know where to.
    CONSTRAINT campaign_messages_sendable_has_phone CHECK (
        phone IS NOT NULL OR status NOT IN ('pending', 'deferred', 'held', 'sending')
    ),
    CONSTRAINT campaign_messages_deferred_has_time CHECK (
        status <> 'deferred' OR defer_until IS NOT NULL
    ),
    -- Only A/B holdout rows wait for a winner.
    CONSTRAINT campaign_messages_held_is_main CHECK (
        status <> 'held' OR variant = 'main'
    ),
    -- A claimed row names its claimant, so a dead worker's rows can be found.
    CONSTRAINT campaign_messages_sending_is_claimed CHECK (
        status NOT IN ('sending', 'unknown') OR (claimed_by IS NOT NULL AND claimed_at IS NOT NULL)
    ),
    -- The idempotency key: a contact gets a campaign at most once, however
    -- often planning is retried (INSERT ... ON CONFLICT DO NOTHING).
    CONSTRAINT campaign_messages_campaign_contact_key UNIQUE (campaign_id, contact_id),
    -- Composite FKs keep the row inside one org. ON DELETE RESTRICT: a
    -- campaign or contact with send records cannot be deleted, so a sent
    -- message is never orphaned (contacts are anonymized instead, see
    -- docs/schema.md).
    CONSTRAINT campaign_messages_campaign_fkey FOREIGN KEY (org_id, campaign_id)
        REFERENCES campaigns (org_id, id) ON DELETE RESTRICT,
    CONSTRAINT campaign_messages_contact_fkey FOREIGN KEY (org_id, contact_id)
        REFERENCES contacts (org_id, id) ON DELETE RESTRICT
);
COMMENT ON TABLE campaign_messages IS
    'One send record per (campaign, contact): planned once, claimed, sent, settled by callbacks. Plain table; the partial indexes below only hold unfinished rows.';

-- Heavily updated (3-4 updates per row in its first hour): vacuum and analyze
-- after 2% churn instead of the default 20%, so a 10M-row table doesn't carry
-- 2M dead tuples and stale statistics on the claim path.
ALTER TABLE campaign_messages SET (
    autovacuum_vacuum_scale_factor = 0.02,
    autovacuum_analyze_scale_factor = 0.02
);

-- The send path's working set: rows not yet finished, per campaign. Claiming
-- (`campaign_id = $1 AND chunk = $2 AND status = 'pending' ORDER BY id
-- LIMIT n FOR UPDATE SKIP LOCKED`), "anything left?" before completing,
-- releasing held rows to the winner, pause/cancel sweeps. Partial: a finished
-- row leaves the index, so it stays as small as the work in flight no matter
-- how many months of history the table holds.
CREATE INDEX campaign_messages_open_idx
    ON campaign_messages (campaign_id, status, chunk, id)
    WHERE status IN ('pending', 'deferred', 'held', 'sending', 'unknown');

-- Scheduler: quiet-hours rows whose window has opened, across all campaigns
-- (`status = 'deferred' AND defer_until <= now()`).
CREATE INDEX campaign_messages_deferred_idx
    ON campaign_messages (defer_until) WHERE status = 'deferred';

-- Reconciliation: claims whose lease expired (worker died mid-batch).
CREATE INDEX campaign_messages_claimed_idx
    ON campaign_messages (claimed_at) WHERE status IN ('sending', 'unknown');

-- Backfill: sent long ago, still no final status.
CREATE INDEX campaign_messages_awaiting_status_idx
    ON campaign_messages (sent_at) WHERE status = 'sent';

-- Callback/backfill lookup by the carrier's id. provider_message_id first so a
-- lookup by sid alone uses it; org_id in the key because a unique index on a
-- Citus distributed table must contain the distribution column (carrier sids
-- are globally unique anyway).
CREATE UNIQUE INDEX campaign_messages_provider_message_id_key
    ON campaign_messages (provider_message_id, org_id) WHERE provider_message_id IS NOT NULL;

-- A contact's campaign history, reply attribution (latest message to this
-- contact), and the FK check when a contact is deleted (without it every
-- contact delete would scan the whole table).
CREATE INDEX campaign_messages_contact_idx
    ON campaign_messages (org_id, contact_id, created_at);
