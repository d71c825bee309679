-- Live platforms without loss (issue 9): facts that are never overwritten, failures that are
-- recorded and retried, publishing exactly once, tokens encrypted at rest, incidents.

-- A reel's watch time as Instagram reports it (milliseconds); NULL where there is none.
ALTER TABLE metrics_snapshots ADD COLUMN avg_watch_time_ms BIGINT;
ALTER TABLE metrics_snapshots ADD COLUMN total_watch_time_ms BIGINT;
-- The moment the numbers are as of: the checkpoint itself on the simulated platform (it answers
-- for any moment), the moment of the call on a live one, which may be later than the checkpoint.
ALTER TABLE metrics_snapshots ADD COLUMN observed_at TIMESTAMPTZ;
-- How many hours after its checkpoint the scored snapshot was observed (0: on time).
ALTER TABLE post_scores ADD COLUMN observed_late_hours DOUBLE PRECISION;

-- A capture that failed: retried on later sensor ticks until it succeeds (the row goes) or its
-- checkpoint is too old to mean anything (status missing).
CREATE TABLE capture_failures (
    post_id          TEXT NOT NULL REFERENCES scheduled_posts(id) ON DELETE CASCADE,
    checkpoint       TEXT NOT NULL CHECK (checkpoint IN ('6h', '24h', '48h', '72h', '7d')),
    checkpoint_at    TIMESTAMPTZ NOT NULL,
    partition_date   DATE NOT NULL,
    brand_id         TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    status           TEXT NOT NULL CHECK (status IN ('retrying', 'missing')),
    attempts         INTEGER NOT NULL CHECK (attempts >= 1),
    reason           TEXT NOT NULL,
    first_failed_at  TIMESTAMPTZ NOT NULL,
    last_failed_at   TIMESTAMPTZ NOT NULL,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (post_id, checkpoint)
);
CREATE INDEX idx_capture_failures_due ON capture_failures (status, next_attempt_at);

-- Why a flagged account is blocked (token rejected, permission denied, account restricted).
ALTER TABLE platform_accounts ADD COLUMN blocked_reason TEXT;

-- A media its owner deleted on the platform: noticed then, and no longer measured.
ALTER TABLE scheduled_posts ADD COLUMN deleted_at TIMESTAMPTZ;
-- Publishing exactly once: a lease that one run holds while it publishes, when the post may be
-- tried again, and how many platform containers it used.
ALTER TABLE scheduled_posts ADD COLUMN lease_owner TEXT;
ALTER TABLE scheduled_posts ADD COLUMN lease_until TIMESTAMPTZ;
ALTER TABLE scheduled_posts ADD COLUMN next_attempt_at TIMESTAMPTZ;
ALTER TABLE scheduled_posts ADD COLUMN publish_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scheduled_posts ADD COLUMN container_created_at TIMESTAMPTZ;
ALTER TABLE scheduled_posts ADD COLUMN containers_made INTEGER NOT NULL DEFAULT 0;

-- Work of one user (or brand) that failed in a stage of the loop while everyone else's went on:
-- shown, and retried by later runs until it succeeds (the row goes).
CREATE TABLE unit_failures (
    stage            TEXT NOT NULL,
    partition_key    TEXT NOT NULL,
    unit             TEXT NOT NULL,
    user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason           TEXT NOT NULL,
    attempts         INTEGER NOT NULL CHECK (attempts >= 1),
    first_failed_at  TIMESTAMPTZ NOT NULL,
    last_failed_at   TIMESTAMPTZ NOT NULL,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (stage, partition_key, unit)
);
CREATE INDEX idx_unit_failures_due ON unit_failures (next_attempt_at);

-- Access and refresh tokens, Fernet-encrypted with TOBY_SECRET_KEY (never plain text).
CREATE TABLE platform_credentials (
    brand_id       TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    platform       TEXT NOT NULL,
    access_token   TEXT NOT NULL,
    refresh_token  TEXT,
    expires_at     TIMESTAMPTZ,
    obtained_at    TIMESTAMPTZ NOT NULL,
    refreshed_at   TIMESTAMPTZ,
    PRIMARY KEY (brand_id, platform)
);

-- Incidents (seed 003 section 5.2): the current state of each watched condition, and one row per
-- change of state, posted to the alert webhook when one is configured.
CREATE TABLE incident_states (
    subject    TEXT NOT NULL,
    condition  TEXT NOT NULL,
    state      TEXT NOT NULL,
    since      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (subject, condition)
);

CREATE TABLE incidents (
    id             TEXT PRIMARY KEY,
    user_id        TEXT REFERENCES users(id) ON DELETE CASCADE,
    subject        TEXT NOT NULL,
    condition      TEXT NOT NULL,
    state          TEXT NOT NULL,
    severity       TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    description    TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    notified_at    TIMESTAMPTZ,
    notify_error   TEXT
);
CREATE INDEX idx_incidents_user_time ON incidents (user_id, created_at);
CREATE INDEX idx_incidents_unnotified ON incidents (notified_at);
