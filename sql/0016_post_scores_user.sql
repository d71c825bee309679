-- Issue 11: a score carries its post's user, so learning reads one batch of users' scores by
-- index (user, day) instead of every user's window joined to the posts and filtered after.
-- The table is rebuilt (SQLite adds no NOT NULL column to a table with rows).
CREATE TABLE post_scores_v16 (
    post_id                 TEXT NOT NULL REFERENCES scheduled_posts(id) ON DELETE CASCADE,
    phase                   TEXT NOT NULL CHECK (phase IN ('48h', '7d')),
    user_id                 TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    score_date              DATE NOT NULL,
    toby_score              DOUBLE PRECISION NOT NULL,
    raw_views_score         DOUBLE PRECISION NOT NULL,
    relative_views_score    DOUBLE PRECISION NOT NULL,
    engagement_score        DOUBLE PRECISION NOT NULL,
    follower_context_score  DOUBLE PRECISION NOT NULL,
    views                   BIGINT NOT NULL,
    baseline_avg_views      DOUBLE PRECISION,
    followers_per_1k_views  DOUBLE PRECISION,
    engagement_rate         DOUBLE PRECISION,
    is_game_changer         BOOLEAN NOT NULL DEFAULT FALSE,
    observed_late_hours     DOUBLE PRECISION,
    PRIMARY KEY (post_id, phase)
);
INSERT INTO post_scores_v16 (post_id, phase, user_id, score_date, toby_score, raw_views_score,
    relative_views_score, engagement_score, follower_context_score, views, baseline_avg_views,
    followers_per_1k_views, engagement_rate, is_game_changer, observed_late_hours)
SELECT s.post_id, s.phase, p.user_id, s.score_date, s.toby_score, s.raw_views_score,
    s.relative_views_score, s.engagement_score, s.follower_context_score, s.views,
    s.baseline_avg_views, s.followers_per_1k_views, s.engagement_rate, s.is_game_changer,
    s.observed_late_hours
FROM post_scores s JOIN scheduled_posts p ON p.id = s.post_id;
DROP TABLE post_scores;
ALTER TABLE post_scores_v16 RENAME TO post_scores;
CREATE INDEX idx_post_scores_date ON post_scores (score_date);
CREATE INDEX idx_post_scores_user_date ON post_scores (user_id, score_date);
