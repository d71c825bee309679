-- Issue 11: each brand and content type's change detector, carried from one day's learning to
-- the next (strategy/carried_detection.py) instead of replayed over the 90-day horizon every
-- day. One row per stream and day, the last few days kept; `state` is the detector's JSON,
-- `learning_since` the reset day it was learned from (a later reset starts it again).
CREATE TABLE toby_detector_states (
    brand_id TEXT NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    as_of_date DATE NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    learning_since DATE,
    state TEXT NOT NULL,
    PRIMARY KEY (brand_id, content_type, as_of_date)
);
CREATE INDEX idx_toby_detector_states_user ON toby_detector_states (user_id, as_of_date);
