-- Issue 13: the owner's control API. Each user authenticates with API tokens; only a token's
-- SHA-256 is stored (the token itself is printed once, when it is made), so the table leaks
-- nothing that opens the API.
CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX idx_api_tokens_user ON api_tokens (user_id);
-- Resetting Toby (POST /api/toby/reset) forgets what it learned: from this day on it learns only
-- from posts published since. Published posts and their scores stay.
ALTER TABLE toby_state ADD COLUMN learning_since DATE;
