-- Issue 13: feature flags per user (spec section 11.4). Only the flags a user turned off (or on
-- again) are stored, as JSON; a flag not named is on.
ALTER TABLE toby_state ADD COLUMN features TEXT NOT NULL DEFAULT '{}';
