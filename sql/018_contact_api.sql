-- 018: what the contacts API needs.
--
-- suppressed_phones: a contact deleted through the API is anonymized (its
-- phone and names cleared, docs/schema.md "Deleting a contact"), but an
-- opt-out is a legal record that must outlive it: the SHA-256 of the phone of
-- an opted-out contact is kept here, and a contact created or imported later
-- with that phone starts opted out. Only the hash is kept, never the number.
--
-- contacts_org_id_created_at_idx: GET /api/contacts?sort=created_at, newest
-- first by keyset (the updated_at order has contacts_org_id_updated_at_idx).

CREATE TABLE suppressed_phones (
    org_id        uuid NOT NULL REFERENCES organizations (id),
    phone_sha256  bytea NOT NULL CHECK (length(phone_sha256) = 32),
    suppressed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, phone_sha256)
);
COMMENT ON TABLE suppressed_phones IS
    'SHA-256 of the phones of opted-out contacts that were deleted: a later contact with the phone starts opted out.';

CREATE INDEX contacts_org_id_created_at_idx ON contacts (org_id, created_at, id);
