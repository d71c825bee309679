-- Scale (issue 11): toby_strategy_scores keeps each option's newest posterior instead of a row per
-- option per day, so the table grows with brands and options, not with days. The day a row
-- reflects stays in as_of_date; each day's full table lives on in the asset's materialization.
CREATE TABLE toby_strategy_scores_v8 (
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
    resting_until   DATE,
    PRIMARY KEY (brand_id, content_type, dimension, option_value)
);
INSERT INTO toby_strategy_scores_v8 (as_of_date, user_id, brand_id, content_type, dimension,
    option_value, sample_count, evidence_weight, avg_score, score_variance, best_score,
    worst_score, recent_scores, prior_source, post_mean, post_kappa, post_alpha, post_beta,
    interval_low, interval_high, prob_best, resting_until)
SELECT as_of_date, user_id, brand_id, content_type, dimension, option_value, sample_count,
    evidence_weight, avg_score, score_variance, best_score, worst_score, recent_scores,
    prior_source, post_mean, post_kappa, post_alpha, post_beta, interval_low, interval_high,
    prob_best, resting_until
FROM toby_strategy_scores s
WHERE as_of_date = (SELECT MAX(t.as_of_date) FROM toby_strategy_scores t WHERE t.user_id = s.user_id);
DROP TABLE toby_strategy_scores;
ALTER TABLE toby_strategy_scores_v8 RENAME TO toby_strategy_scores;
CREATE INDEX idx_toby_strategy_scores_user ON toby_strategy_scores (user_id, as_of_date);
