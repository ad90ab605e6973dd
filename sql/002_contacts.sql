-- 002_contacts.sql — the people an organization texts, and saved audiences.

CREATE TABLE contacts (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id        uuid NOT NULL REFERENCES organizations (id),
    -- E.164, normalized by the application before it gets here. NULL is a
    -- legitimate contact without a phone (email-only import); such contacts
    -- are planned as skipped with reason 'no_phone'.
    phone         text NULL CHECK (phone ~ '^\+[1-9][0-9]{7,14}$'),
    first_name    text NULL,
    last_name     text NULL,
    email         text NULL,
    address       text NULL,
    city          text NULL,
    -- Two-letter US state code, upper case, so the contact filter's `state=NC,SC`
    -- filter is a plain equality (the importer upper-cases).
    state         text NULL CHECK (state ~ '^[A-Z]{2}$'),
    zip           text NULL CHECK (zip <> ''),
    -- Tags drive ad-hoc audiences (tags && / @> filters). A NULL element would
    -- make those filters three-valued; forbid it.
    tags          text[] NOT NULL DEFAULT '{}'
                  CHECK (array_position(tags, NULL) IS NULL),
    -- Merge-field data ({{key}} in a message). The product allows at most 20
    -- keys; values must be scalars because a merge field renders to text.
    custom_fields jsonb NOT NULL DEFAULT '{}',
    -- Recipient's IANA zone; first choice for quiet hours when present.
    timezone      text NULL REFERENCES time_zones (name),
    -- From carrier lookup: NULL = lookup pending (not sendable yet, skipped
    -- as 'lookup_pending'), false = landline/VOIP, true = textable.
    is_textable   boolean NULL,
    -- Opted out (STOP or manual) when not null; honored at send time too.
    opted_out_at  timestamptz NULL,
    -- Set instead of deleting once the contact has message history (see
    -- docs/schema.md "Deleting a contact"): the row stays so sends and replies
    -- keep their recipient, but it carries no personal data any more.
    deleted_at    timestamptz NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT contacts_custom_fields_object CHECK (
        jsonb_typeof(custom_fields) = 'object'
        AND jsonb_object_key_count(custom_fields) <= 20
        AND NOT jsonb_path_exists(custom_fields,
                '$.* ? (@.type() == "object" || @.type() == "array")')
    ),
    -- An anonymized (deleted) contact must really be anonymous.
    CONSTRAINT contacts_deleted_has_no_pii CHECK (
        deleted_at IS NULL OR (
            phone IS NULL AND first_name IS NULL AND last_name IS NULL
            AND email IS NULL AND address IS NULL
            AND custom_fields = '{}'::jsonb
        )
    ),
    -- Target of composite FKs from campaign_messages / inbound_messages, and
    -- the keyset-paging index: audience expansion walks
    -- `WHERE org_id = $1 AND id > $cursor ORDER BY id LIMIT n`.
    CONSTRAINT contacts_org_id_id_key UNIQUE (org_id, id),
    -- One contact per phone per org: imports merge on it
    -- (`ON CONFLICT (org_id, phone) DO UPDATE`). A plain UNIQUE constraint,
    -- not a partial index: NULLs are distinct, so phone-less contacts don't
    -- collide, and ON CONFLICT needs no WHERE clause to find it.
    CONSTRAINT contacts_org_id_phone_key UNIQUE (org_id, phone)
);
COMMENT ON TABLE contacts IS
    'An organization''s contacts (docs/product-rules.md#contacts). One row per phone per org; deleted contacts with history are anonymized (deleted_at), not removed.';

-- Tag filters (`tags && $2` for OR, `tags @> $2` for AND) within one org.
-- btree_gin puts org_id in the same GIN index, so a popular tag in other orgs
-- costs nothing here.
CREATE INDEX contacts_org_id_tags_idx ON contacts USING gin (org_id, tags);

-- The contact filter's state / zip conditions.
CREATE INDEX contacts_org_id_state_idx ON contacts (org_id, state) WHERE state IS NOT NULL;
CREATE INDEX contacts_org_id_zip_idx ON contacts (org_id, zip) WHERE zip IS NOT NULL;

-- Merge-on-email for imports without a phone, and the email filter.
CREATE INDEX contacts_org_id_email_idx ON contacts (org_id, lower(email)) WHERE email IS NOT NULL;

-- Contact list default sort (updated_at, keyset with id as tie-breaker).
CREATE INDEX contacts_org_id_updated_at_idx ON contacts (org_id, updated_at, id);

CREATE TRIGGER contacts_set_updated_at
    BEFORE UPDATE ON contacts
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------
-- segments
-- ---------------------------------------------------------------------------

CREATE TABLE segments (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id     uuid NOT NULL REFERENCES organizations (id),
    name       text NOT NULL CHECK (btrim(name) <> ''),
    -- Same language as a campaign's contactFilter, e.g.
    -- {"tags": ["vip"], "tagsLogic": "AND", "state": ["NC"]}.
    -- Validated by the application; the database only insists on an object.
    filter     jsonb NOT NULL CHECK (jsonb_typeof(filter) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),

    -- Target of the composite FK campaigns (org_id, segment_id).
    CONSTRAINT segments_org_id_id_key UNIQUE (org_id, id)
);
COMMENT ON TABLE segments IS
    'Saved audience filters (same filter language as a campaign''s contactFilter), evaluated when a campaign is planned.';

CREATE TRIGGER segments_set_updated_at
    BEFORE UPDATE ON segments
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
