-- 020: conversations, one per contact number of an organization.
--
-- A conversation is the thread between the organization and one number that
-- texted it: it starts with the number's first inbound message, and each
-- inbound message or reply sent to it moves it (last message, its direction
-- and preview, counts). The row is maintained by the statement that stores the
-- message, so listing an inbox reads these rows and never scans messages.
-- Campaign messages to the number appear in its history, with their delivery
-- status, but a blast does not move the thread (a send to a million contacts
-- is not a million conversations). Archived, starred and read are set by the
-- team; a new inbound message takes a conversation out of the archive.

CREATE TABLE conversations (
    org_id          uuid NOT NULL REFERENCES organizations (id),
    -- Stable handle of the thread (the cursor's tie-breaker).
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    -- The contact's number as the carrier gives it (normally E.164).
    contact_phone   text NOT NULL CHECK (contact_phone <> ''),
    -- The organization's number of the latest message.
    phone_number_id uuid NOT NULL,
    contact_id      uuid NULL,
    last_message_at timestamptz NOT NULL,
    last_direction  text NOT NULL CHECK (last_direction IN ('inbound', 'outbound')),
    -- The first 160 characters of the latest message.
    last_preview    text NOT NULL DEFAULT '',
    message_count   integer NOT NULL DEFAULT 0 CHECK (message_count >= 0),
    unread_count    integer NOT NULL DEFAULT 0 CHECK (unread_count >= 0),
    archived_at     timestamptz NULL,
    starred         boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, contact_phone),
    CONSTRAINT conversations_org_id_id_key UNIQUE (org_id, id),
    CONSTRAINT conversations_contact_fkey FOREIGN KEY (org_id, contact_id)
        REFERENCES contacts (org_id, id) ON DELETE SET NULL (contact_id),
    CONSTRAINT conversations_phone_number_fkey FOREIGN KEY (org_id, phone_number_id)
        REFERENCES phone_numbers (org_id, id)
);
COMMENT ON TABLE conversations IS
    'One thread per contact number that texted the organization: latest message, counts, archived/starred/read.';

-- The inbox, newest first by keyset.
CREATE INDEX conversations_org_id_last_message_idx ON conversations (org_id, last_message_at DESC, id DESC);

-- Threads from the messages already stored.
INSERT INTO conversations (org_id, contact_phone, phone_number_id, contact_id, last_message_at, last_direction,
                           last_preview, message_count)
SELECT DISTINCT ON (i.org_id, i.from_phone)
       i.org_id, i.from_phone, i.phone_number_id, i.contact_id, i.received_at, 'inbound', left(i.body, 160),
       count(*) OVER (PARTITION BY i.org_id, i.from_phone)
FROM inbound_messages i
ORDER BY i.org_id, i.from_phone, i.received_at DESC;
