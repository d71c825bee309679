-- Toby's application schema. Portable SQL: the same file runs on SQLite (embedded default)
-- and PostgreSQL. Identifiers are text (uuid or natural keys built in Python), times are
-- TIMESTAMPTZ in UTC, structured values are JSON stored as TEXT.

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- A brand and its Content DNA: the creative boundaries Toby never leaves.
CREATE TABLE brands (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    niche           TEXT NOT NULL DEFAULT '',
    tone            TEXT NOT NULL DEFAULT '',
    topic_buckets   TEXT NOT NULL DEFAULT '[]',
    content_examples TEXT NOT NULL DEFAULT '[]',
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, name)
);

-- Daily posting times (UTC, HH:MM) per brand and content type.
CREATE TABLE brand_slots (
    brand_id      TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    content_type  TEXT NOT NULL CHECK (content_type IN ('reel', 'carousel')),
    slot_time     TEXT NOT NULL,
    PRIMARY KEY (brand_id, content_type, slot_time)
);

CREATE TABLE platform_accounts (
    id               TEXT PRIMARY KEY,
    brand_id         TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    platform         TEXT NOT NULL,
    handle           TEXT NOT NULL,
    followers_count  BIGINT NOT NULL DEFAULT 0 CHECK (followers_count >= 0),
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (brand_id, platform)
);

-- Per-user agent state (seed section 7.1 toby_state).
CREATE TABLE toby_state (
    user_id                TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    enabled                BOOLEAN NOT NULL DEFAULT FALSE,
    enabled_at             TIMESTAMPTZ,
    disabled_at            TIMESTAMPTZ,
    phase                  TEXT NOT NULL DEFAULT 'bootstrap'
                           CHECK (phase IN ('bootstrap', 'learning', 'optimizing')),
    phase_started_at       TIMESTAMPTZ,
    buffer_days            INTEGER NOT NULL DEFAULT 2 CHECK (buffer_days BETWEEN 1 AND 14),
    explore_ratio          DOUBLE PRECISION NOT NULL DEFAULT 0.30
                           CHECK (explore_ratio >= 0 AND explore_ratio <= 1),
    last_buffer_check_at   TIMESTAMPTZ,
    last_metrics_check_at  TIMESTAMPTZ,
    last_analysis_at       TIMESTAMPTZ,
    last_discovery_at      TIMESTAMPTZ,
    daily_budget_cents     INTEGER,
    spent_today_cents      INTEGER NOT NULL DEFAULT 0,
    budget_reset_at        TIMESTAMPTZ,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);

CREATE TABLE toby_experiments (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    brand_id      TEXT REFERENCES brands(id) ON DELETE CASCADE,
    content_type  TEXT NOT NULL CHECK (content_type IN ('reel', 'carousel')),
    dimension     TEXT NOT NULL,
    options       TEXT NOT NULL,
    results       TEXT NOT NULL DEFAULT '{}',
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'completed')),
    winner        TEXT,
    started_at    TIMESTAMPTZ NOT NULL,
    completed_at  TIMESTAMPTZ,
    min_samples   INTEGER NOT NULL DEFAULT 5
);
CREATE INDEX idx_toby_experiments_user_status ON toby_experiments (user_id, status);

-- Scheduled content, user-made or Toby-made. One post per slot.
CREATE TABLE scheduled_posts (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    brand_id       TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    platform       TEXT NOT NULL,
    content_type   TEXT NOT NULL CHECK (content_type IN ('reel', 'carousel')),
    slot_at        TIMESTAMPTZ NOT NULL,
    created_by     TEXT NOT NULL DEFAULT 'user' CHECK (created_by IN ('user', 'toby')),
    status         TEXT NOT NULL DEFAULT 'planned'
                   CHECK (status IN ('planned', 'generated', 'publishing', 'published', 'failed')),
    title          TEXT,
    caption        TEXT,
    content_lines  TEXT NOT NULL DEFAULT '[]',
    media_id       TEXT,
    published_at   TIMESTAMPTZ,
    error          TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (brand_id, content_type, slot_at)
);
CREATE INDEX idx_scheduled_posts_status_slot ON scheduled_posts (status, slot_at);
CREATE INDEX idx_scheduled_posts_published ON scheduled_posts (published_at);

-- The strategy Toby chose for a post (seed section 7.1 toby_content_tags).
CREATE TABLE toby_content_tags (
    post_id        TEXT PRIMARY KEY REFERENCES scheduled_posts(id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    content_type   TEXT NOT NULL CHECK (content_type IN ('reel', 'carousel')),
    personality    TEXT NOT NULL,
    topic_bucket   TEXT NOT NULL,
    hook_strategy  TEXT NOT NULL,
    title_format   TEXT NOT NULL,
    visual_style   TEXT NOT NULL,
    experiment_id  TEXT REFERENCES toby_experiments(id) ON DELETE SET NULL,
    is_experiment  BOOLEAN NOT NULL DEFAULT FALSE,
    is_control     BOOLEAN NOT NULL DEFAULT FALSE,
    toby_score     DOUBLE PRECISION,
    scored_at      TIMESTAMPTZ,
    score_phase    TEXT CHECK (score_phase IN ('48h', '7d')),
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_toby_content_tags_user ON toby_content_tags (user_id);

-- Cumulative metrics of a published post captured at a checkpoint age.
CREATE TABLE metrics_snapshots (
    post_id              TEXT NOT NULL REFERENCES scheduled_posts(id) ON DELETE CASCADE,
    checkpoint           TEXT NOT NULL CHECK (checkpoint IN ('6h', '24h', '48h', '72h', '7d')),
    checkpoint_at        TIMESTAMPTZ NOT NULL,
    partition_date       DATE NOT NULL,
    captured_at          TIMESTAMPTZ NOT NULL,
    views                BIGINT NOT NULL CHECK (views >= 0),
    reach                BIGINT NOT NULL CHECK (reach >= 0),
    likes                BIGINT NOT NULL CHECK (likes >= 0),
    comments             BIGINT NOT NULL CHECK (comments >= 0),
    saves                BIGINT NOT NULL CHECK (saves >= 0),
    shares               BIGINT NOT NULL CHECK (shares >= 0),
    follows              BIGINT NOT NULL CHECK (follows >= 0),
    followers_at_capture BIGINT NOT NULL CHECK (followers_at_capture >= 0),
    PRIMARY KEY (post_id, checkpoint)
);
CREATE INDEX idx_metrics_snapshots_partition ON metrics_snapshots (partition_date);

-- The Toby score of a post at its early (48h) and final (7d) checkpoints.
CREATE TABLE post_scores (
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
    followers_per_1k_views  DOUBLE PRECISION NOT NULL,
    engagement_rate         DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (post_id, phase)
);
CREATE INDEX idx_post_scores_date ON post_scores (score_date);

-- Rolling performance baseline per brand and content type, as of the end of a day.
CREATE TABLE brand_baselines (
    as_of_date          DATE NOT NULL,
    brand_id            TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    content_type        TEXT NOT NULL CHECK (content_type IN ('reel', 'carousel')),
    avg_views_48h       DOUBLE PRECISION,
    avg_views_7d        DOUBLE PRECISION,
    avg_score           DOUBLE PRECISION,
    post_count          INTEGER NOT NULL,
    followers           BIGINT,
    recent_avg_score    DOUBLE PRECISION,
    previous_avg_score  DOUBLE PRECISION,
    drift_action        TEXT CHECK (drift_action IN ('explore_more', 'exploit_more')),
    drift_explore_ratio DOUBLE PRECISION,
    drift_until         DATE,
    drift_reason        TEXT,
    PRIMARY KEY (as_of_date, brand_id, content_type)
);

-- Posterior per strategy option as of a day (seed toby_strategy_scores, one row a day).
CREATE TABLE toby_strategy_scores (
    as_of_date      DATE NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    brand_id        TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    content_type    TEXT NOT NULL CHECK (content_type IN ('reel', 'carousel')),
    dimension       TEXT NOT NULL,
    option_value    TEXT NOT NULL,
    sample_count    INTEGER NOT NULL,
    evidence_weight DOUBLE PRECISION NOT NULL,
    avg_score       DOUBLE PRECISION,
    score_variance  DOUBLE PRECISION,
    best_score      DOUBLE PRECISION,
    worst_score     DOUBLE PRECISION,
    recent_scores   TEXT NOT NULL DEFAULT '[]',
    prior_source    TEXT NOT NULL,
    post_mean       DOUBLE PRECISION NOT NULL,
    post_kappa      DOUBLE PRECISION NOT NULL,
    post_alpha      DOUBLE PRECISION NOT NULL,
    post_beta       DOUBLE PRECISION NOT NULL,
    interval_low    DOUBLE PRECISION NOT NULL,
    interval_high   DOUBLE PRECISION NOT NULL,
    prob_best       DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (as_of_date, brand_id, content_type, dimension, option_value)
);
CREATE INDEX idx_toby_strategy_scores_user ON toby_strategy_scores (user_id, content_type, dimension);

-- What Toby did, in words a person reads (seed section 4 activity feed).
-- dedupe_key makes a retried or re-materialized step update its line instead of adding one.
CREATE TABLE toby_activity_log (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    action_type  TEXT NOT NULL,
    description  TEXT NOT NULL,
    metadata     TEXT NOT NULL DEFAULT '{}',
    level        TEXT NOT NULL DEFAULT 'info' CHECK (level IN ('info', 'success', 'warning', 'error')),
    dedupe_key   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_toby_activity_user_time ON toby_activity_log (user_id, created_at);

-- The simulated platform's own side: what it has published. Only the embedded default writes it.
CREATE TABLE sim_platform_media (
    media_id         TEXT PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    account_handle   TEXT NOT NULL,
    published_at     TIMESTAMPTZ NOT NULL,
    followers_at_publish BIGINT NOT NULL,
    post             TEXT NOT NULL,
    final_metrics    TEXT NOT NULL,
    final_follows    BIGINT
);
CREATE INDEX idx_sim_platform_media_account ON sim_platform_media (account_handle, published_at);

CREATE TABLE sim_platform_accounts (
    account_handle   TEXT PRIMARY KEY,
    base_followers   BIGINT NOT NULL CHECK (base_followers >= 0),
    audience_seed    BIGINT NOT NULL
);
