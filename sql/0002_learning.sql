-- Learning quality (issue 3): propensities, experiments by day, game changers, resting topics,
-- per-brand option pools.

-- The probability with which the planner chose each post's options (offline policy evaluation).
ALTER TABLE toby_content_tags ADD COLUMN propensity DOUBLE PRECISION;
ALTER TABLE toby_content_tags ADD COLUMN option_propensities TEXT;
ALTER TABLE toby_content_tags ADD COLUMN experiment_dimension TEXT;

-- A post whose views reached 4x the brand's rolling average.
ALTER TABLE post_scores ADD COLUMN is_game_changer BOOLEAN NOT NULL DEFAULT FALSE;

-- A topic deprioritized by seasonal rotation, on the posteriors' day, until this date.
ALTER TABLE toby_strategy_scores ADD COLUMN resting_until DATE;

-- Experiments are kept per brand, content type and dimension, dated by day; one row per run.
ALTER TABLE toby_experiments ADD COLUMN started_on DATE;
ALTER TABLE toby_experiments ADD COLUMN completed_on DATE;
ALTER TABLE toby_experiments ADD COLUMN results_as_of DATE;
CREATE UNIQUE INDEX uq_toby_experiments_run
    ON toby_experiments (brand_id, content_type, dimension, started_on);

-- Option pools a brand overrides (otherwise the product's defaults and its DNA's topics).
CREATE TABLE brand_option_pools (
    brand_id      TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    content_type  TEXT NOT NULL CHECK (content_type IN ('reel', 'carousel')),
    dimension     TEXT NOT NULL,
    options       TEXT NOT NULL,
    PRIMARY KEY (brand_id, content_type, dimension)
);
