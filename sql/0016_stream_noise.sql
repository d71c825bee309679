-- Issue 12: how noisy each brand and content type's scores are (the additive fit's residual
-- SD, strategy/stream_noise.py), stored with its options' posteriors: a noisy stream is planned
-- at a sharper spread, recorded in each post's decision record. NULL: too few posts to tell.
ALTER TABLE toby_strategy_scores ADD COLUMN noise_sd DOUBLE PRECISION;
