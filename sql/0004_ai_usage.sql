-- AI usage and its cost (issue 4; seed 003 section 5.1 ai_usage): one row per completed LLM
-- call, so the per-user daily budget is the sum of a day's rows, never a drifting counter.
CREATE TABLE ai_usage (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    brand_id           TEXT REFERENCES brands(id) ON DELETE SET NULL,
    feature_area       TEXT NOT NULL,
    model              TEXT NOT NULL,
    prompt_tokens      INTEGER NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens  INTEGER NOT NULL CHECK (completion_tokens >= 0),
    cost_usd           DOUBLE PRECISION NOT NULL CHECK (cost_usd >= 0),
    created_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_ai_usage_user_time ON ai_usage (user_id, created_at);

-- Where a post's text came from: llm, llm_similar (the safe fallback) or template.
ALTER TABLE scheduled_posts ADD COLUMN generator TEXT;
