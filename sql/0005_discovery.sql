-- Discovery (issue 4; seed 000 section 5.7): what each brand watches, when each scan last ran,
-- and what it found.
CREATE TABLE discovery_targets (
    brand_id  TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('competitor', 'hashtag')),
    target    TEXT NOT NULL,
    PRIMARY KEY (brand_id, kind, target)
);

CREATE TABLE discovery_scans (
    brand_id    TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('own', 'competitor', 'hashtag')),
    target      TEXT NOT NULL,
    scanned_at  TIMESTAMPTZ NOT NULL,
    found       INTEGER NOT NULL CHECK (found >= 0),
    PRIMARY KEY (brand_id, kind, target)
);

CREATE TABLE discovery_findings (
    brand_id        TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('own', 'competitor', 'hashtag')),
    target          TEXT NOT NULL,
    media_id        TEXT NOT NULL,
    caption         TEXT,
    media_type      TEXT,
    like_count      BIGINT,
    comments_count  BIGINT,
    permalink       TEXT,
    posted_at       TEXT,
    topic_bucket    TEXT,
    first_found_at  TIMESTAMPTZ NOT NULL,
    last_found_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (brand_id, kind, media_id)
);
CREATE INDEX idx_discovery_findings_found ON discovery_findings (brand_id, first_found_at);
