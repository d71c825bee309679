-- Issue 12: every planned post records what its strategy was chosen from, so the choice replays
-- bit-exactly. A posterior version (a brand and content type's pooled posteriors and resting
-- options as sampled) is stored once under the hash of its JSON and never changes; a post's
-- tags name it and hold the post's own decision record (experiments, explore ratio, seed).
CREATE TABLE posterior_versions (
    id            TEXT PRIMARY KEY,
    brand_id      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
ALTER TABLE toby_content_tags ADD COLUMN posterior_version TEXT REFERENCES posterior_versions(id);
ALTER TABLE toby_content_tags ADD COLUMN decision TEXT;
