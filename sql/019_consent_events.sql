-- 019: manual opt-outs and opt-ins are recorded with who, when and on what grounds.
--
-- An opt-out is a legal record, and so is the consent that undoes one: the API
-- opts a contact out (POST /api/contacts/{id}/opt-out) or back in
-- (/opt-in, only with the source of the consent, e.g. "signed form, 2026-11-30")
-- and writes one consent_events row per change, naming the API key that made it.
-- contacts.opted_in_at is when consent was last recorded (NULL for a contact
-- that was never opted in by hand: imported contacts are opted in by default).

ALTER TABLE contacts ADD COLUMN opted_in_at timestamptz NULL;

CREATE TABLE consent_events (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    org_id     uuid NOT NULL REFERENCES organizations (id),
    contact_id uuid NOT NULL,
    action     text NOT NULL CHECK (action IN ('opt_out', 'opt_in')),
    -- The grounds: the consent source given for an opt-in, the reason (or
    -- 'manual') for an opt-out.
    source     text NOT NULL CHECK (btrim(source) <> '' AND length(source) <= 500),
    -- Who: 'api_key:<id>' for the API.
    actor      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    CONSTRAINT consent_events_contact_fkey FOREIGN KEY (org_id, contact_id)
        REFERENCES contacts (org_id, id) ON DELETE CASCADE
);
CREATE INDEX consent_events_contact_idx ON consent_events (org_id, contact_id, created_at);
COMMENT ON TABLE consent_events IS
    'Manual opt-outs and opt-ins of contacts: who, when and on what grounds.';
