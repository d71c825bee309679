-- Issue 12: a post its owner deleted is negative evidence for its options. Each option's
-- posterior records how many of its posts were deleted; learning reads a batch of users'
-- deleted posts through a partial index (deletions are rare).
ALTER TABLE toby_strategy_scores ADD COLUMN deleted_posts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX idx_scheduled_posts_deleted ON scheduled_posts (user_id, deleted_at) WHERE deleted_at IS NOT NULL;
