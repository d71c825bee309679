-- Issue 13 (seed 004's manual lock): an owner pins an option (every post of the brand and content
-- type uses it) or bans one (no post does). The learner goes on learning every option; only the
-- choice is restricted, and the propensity each post records is that of the restricted choice.
CREATE TABLE option_rules (
    brand_id      TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    content_type  TEXT NOT NULL CHECK (content_type IN ('reel', 'carousel')),
    dimension     TEXT NOT NULL,
    option_value  TEXT NOT NULL,
    rule          TEXT NOT NULL CHECK (rule IN ('pin', 'ban')),
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (brand_id, content_type, dimension, option_value)
);
