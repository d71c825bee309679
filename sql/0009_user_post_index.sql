-- Scale (issue 11): reading one batch of users' scored posts starts from their posts, not from
-- every user's scores of the learning horizon.
CREATE INDEX idx_scheduled_posts_user_slot ON scheduled_posts (user_id, slot_at);
