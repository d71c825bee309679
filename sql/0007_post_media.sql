-- Rendered media (issue 10): each post's slides or reel, content-addressed by `media_key`
-- (text, style and design version), and where they are hosted.
CREATE TABLE post_media (
    post_id      TEXT NOT NULL REFERENCES scheduled_posts(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL CHECK (position >= 1),
    media_key    TEXT NOT NULL,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('image', 'video')),
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    duration_s   DOUBLE PRECISION,
    url          TEXT NOT NULL,
    rendered_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (post_id, position)
);
CREATE INDEX idx_post_media_key ON post_media (media_key);
