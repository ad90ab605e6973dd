-- 016: reply_messages also carries the API's test sends.
--
-- reply_messages holds the messages sent one at a time, outside campaign
-- batches, through one path (charge, rate reservation on the sender number,
-- claim, carrier, record, refund): automatic replies to inbound messages and,
-- from here on, the test sends of `POST /api/campaigns/{id}/test`. A test send
-- answers no inbound message, so inbound_message_id becomes optional for it;
-- an automatic reply still always names the message it answers. A test send is
-- charged to its campaign under credit batch test:<row id>; it may carry one
-- media URL (an MMS preview).

ALTER TABLE reply_messages
    ADD COLUMN kind text NOT NULL DEFAULT 'auto_reply' CHECK (kind IN ('auto_reply', 'test_send')),
    ADD COLUMN media_url text NULL CHECK (media_url ~ '^https?://'),
    ALTER COLUMN inbound_message_id DROP NOT NULL,
    ADD CONSTRAINT reply_messages_auto_reply_answers_inbound CHECK (
        kind <> 'auto_reply' OR inbound_message_id IS NOT NULL
    );

COMMENT ON TABLE reply_messages IS
    'Messages sent one at a time outside campaign batches: automatic replies to inbound messages (kind auto_reply, credit batch reply:<inbound id>) and API test sends (kind test_send, credit batch test:<id>), charged through credit_ledger and sent like campaign messages.';
