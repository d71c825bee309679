-- Issue 13 (spec section 13, "the user can review"): in review mode a generated post waits for
-- its owner's approval. review_mode is 'off', 'skip' (what is not approved by the deadline is
-- skipped) or 'publish' (it is published anyway); a brand's own mode, when set, wins over its
-- user's. A post's review_status is NULL (not reviewed), 'pending' or 'approved'. A rejected
-- post is removed so its slot is planned again; what was rejected stays in rejected_posts, so the
-- new post does not repeat its title.
ALTER TABLE toby_state ADD COLUMN review_mode TEXT NOT NULL DEFAULT 'off';
ALTER TABLE brands ADD COLUMN review_mode TEXT;
ALTER TABLE scheduled_posts ADD COLUMN review_status TEXT;
CREATE TABLE rejected_posts (
    post_id       TEXT NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    brand_id      TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    content_type  TEXT NOT NULL,
    slot_at       TIMESTAMPTZ NOT NULL,
    title         TEXT NOT NULL,
    reason        TEXT,
    rejected_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_rejected_posts_slot ON rejected_posts (brand_id, content_type, slot_at);
