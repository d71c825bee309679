-- Real platforms (issue 4).

-- A metric the platform will not give (Instagram's "not enough viewers", a reel's follows) is
-- NULL, not 0: SQLite cannot drop NOT NULL in place, so both tables are rebuilt the same way on
-- both databases.
CREATE TABLE metrics_snapshots_v3 (
    post_id              TEXT NOT NULL REFERENCES scheduled_posts(id) ON DELETE CASCADE,
    checkpoint           TEXT NOT NULL CHECK (checkpoint IN ('6h', '24h', '48h', '72h', '7d')),
    checkpoint_at        TIMESTAMPTZ NOT NULL,
    partition_date       DATE NOT NULL,
    captured_at          TIMESTAMPTZ NOT NULL,
    views                BIGINT CHECK (views >= 0),
    reach                BIGINT CHECK (reach >= 0),
    likes                BIGINT CHECK (likes >= 0),
    comments             BIGINT CHECK (comments >= 0),
    saves                BIGINT CHECK (saves >= 0),
    shares               BIGINT CHECK (shares >= 0),
    follows              BIGINT CHECK (follows >= 0),
    followers_at_capture BIGINT NOT NULL CHECK (followers_at_capture >= 0),
    PRIMARY KEY (post_id, checkpoint)
);
INSERT INTO metrics_snapshots_v3 (post_id, checkpoint, checkpoint_at, partition_date, captured_at,
    views, reach, likes, comments, saves, shares, follows, followers_at_capture)
SELECT post_id, checkpoint, checkpoint_at, partition_date, captured_at,
    views, reach, likes, comments, saves, shares, follows, followers_at_capture
FROM metrics_snapshots;
DROP TABLE metrics_snapshots;
ALTER TABLE metrics_snapshots_v3 RENAME TO metrics_snapshots;
CREATE INDEX idx_metrics_snapshots_partition ON metrics_snapshots (partition_date);

-- F/1K needs follows and the engagement rate needs reach; without them they are NULL.
CREATE TABLE post_scores_v3 (
    post_id                 TEXT NOT NULL REFERENCES scheduled_posts(id) ON DELETE CASCADE,
    phase                   TEXT NOT NULL CHECK (phase IN ('48h', '7d')),
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
    PRIMARY KEY (post_id, phase)
);
INSERT INTO post_scores_v3 (post_id, phase, score_date, toby_score, raw_views_score,
    relative_views_score, engagement_score, follower_context_score, views, baseline_avg_views,
    followers_per_1k_views, engagement_rate, is_game_changer)
SELECT post_id, phase, score_date, toby_score, raw_views_score, relative_views_score,
    engagement_score, follower_context_score, views, baseline_avg_views, followers_per_1k_views,
    engagement_rate, is_game_changer
FROM post_scores;
DROP TABLE post_scores;
ALTER TABLE post_scores_v3 RENAME TO post_scores;
CREATE INDEX idx_post_scores_date ON post_scores (score_date);

-- The platform's own id of the account (Instagram user id), and when its token was rejected
-- (the brand needs re-authorization; nothing else stops).
ALTER TABLE platform_accounts ADD COLUMN external_id TEXT;
ALTER TABLE platform_accounts ADD COLUMN needs_reauth_since TIMESTAMPTZ;

-- Where a post's rendered media are hosted (a reel's video, a carousel's images), and the
-- Instagram container an interrupted publish resumes instead of making anew.
ALTER TABLE scheduled_posts ADD COLUMN media_urls TEXT NOT NULL DEFAULT '[]';
ALTER TABLE scheduled_posts ADD COLUMN container_id TEXT;
