-- 017: segments are deleted softly, and listed newest first.
--
-- A deleted segment keeps its row (deleted_at set): campaigns still name it
-- through their composite foreign key, and one waiting to be planned is then
-- failed with a reason that says the segment is gone, instead of waiting or
-- planning an audience nobody can see any more. Deleted segments are invisible
-- to the API and the CLI.

ALTER TABLE segments ADD COLUMN deleted_at timestamptz NULL;

-- GET /api/segments: an organization's live segments, newest first, by keyset.
CREATE INDEX segments_org_id_created_at_idx ON segments (org_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;
