-- 023: fuzzy contact search (the contact filter's `search`, used by
-- GET /api/contacts, segment previews and campaign audiences alike).
--
-- A term of three characters or more matches a contact whose first name, last
-- name or email contains it (ILIKE '%term%') or is similar to it by trigrams
-- (pg_trgm's `%`, similarity above pg_trgm.similarity_threshold, which every
-- Amplifi connection sets to 0.24 at connect: a swapped letter in a
-- four-letter name, "Jonh" for "John", is 0.25 similar; "Joseph", sharing
-- only "Jo", is 0.2 and not found); the phone matches by digits. Shorter terms match
-- by prefix. One GIN index serves every arm of that OR (gin_trgm_ops serves
-- both LIKE and %); the organization is checked on the rows it finds. Not
-- org_id in the index: every arm would then intersect with the whole
-- organization's posting list, and the planner rightly prefers reading the
-- organization's rows. Partial: deleted contacts are never searched.
--
-- pg_trgm is a trusted extension (PostgreSQL 13+): the database owner that
-- runs the migrations may create it.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX contacts_search_trgm_idx ON contacts USING gin (
    lower(first_name) gin_trgm_ops,
    lower(last_name) gin_trgm_ops,
    lower(email) gin_trgm_ops,
    phone gin_trgm_ops
) WHERE deleted_at IS NULL;
