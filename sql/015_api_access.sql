-- 015: API keys can expire, and POST requests are idempotent.
--
-- `amplifi api-key create --expires` sets expires_at; an expired key
-- authenticates nothing, like a revoked one (both are kept for the record).
--
-- api_idempotency remembers, per organization and Idempotency-Key header, the
-- request's fingerprint and the response it got, for 24 hours: a client that
-- retries a POST (a timeout, a dropped connection) gets the first response and
-- nothing is created twice; the same key with a different body is refused. A
-- row without a response is a request still being handled.

ALTER TABLE api_keys ADD COLUMN expires_at timestamptz NULL;

CREATE TABLE api_idempotency (
    org_id          uuid NOT NULL REFERENCES organizations (id),
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    -- SHA-256 of method, path and body.
    fingerprint     bytea NOT NULL,
    response_status smallint NULL,
    response_body   bytea NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, idempotency_key)
);
CREATE INDEX api_idempotency_created_at_idx ON api_idempotency (created_at);
COMMENT ON TABLE api_idempotency IS
    'Idempotency-Key of API POSTs: the first response per (org, key) for 24 hours.';
