"""How noisy a stream's scores are, read from the data alone, and what makes a stream noisy.

Where a brand's scores scatter far around what their options predict, every post says little:
the posteriors stay wide for months, Thompson sampling keeps spending posts on options it cannot
tell apart, a follow-up fires on luck as often as on a real surprise, and a retest's one post
per option tells nothing, while the seed's greedy 70% loses little there (README, *Learning
benchmark*). A noisy stream is therefore drawn at a sharper spread (`selection.spread_for`) and
its experiments neither follow up nor retest on a schedule (`experiments.advance`).

The noise must not come from the posteriors: early in a season every option sits near its prior
(the brand's whole score variance, effects and noise together), so a posterior's expected noise
reads high exactly while nothing is known yet (tried and not kept, README). Here it is the
residual standard deviation of the additive fit (`other_dimensions`), each post's score less its
options' effects, over the stream's posts in the learning horizon, with one degree of freedom
per fitted option; and none at all until the stream has `MIN_POSTS` posts and `POSTS_PER_OPTION`
per option it fits (with fewer, the shrunk fit leaves part of the effects in the residuals).
"""

from __future__ import annotations

import numpy as np

from toby_pipelines.strategy.stream_arrays import StreamArrays

MIN_POSTS = 30
POSTS_PER_OPTION = 4
# Above this residual SD (score points) a stream is noisy. The benchmark's worlds have 12 unless
# they say otherwise; the threshold and what a noisy stream does differently were chosen on the
# training half (README).
NOISY_STREAM_SD = 16.0


def residual_noise_sd(arrays: StreamArrays, adjusted: np.ndarray) -> float | None:
    """The residual SD of a stream's additive fit, or None with too few posts to tell.

    `adjusted` is the fit's [post, dimension] scores less the post's other options' effects
    (`fitted_columns`); the first dimension's, less each of its options' mean, is the post's
    residual. Unweighted: how noisy an audience is does not age like its tastes."""
    posts = len(arrays.scores)
    parameters = sum(len(options) for options in arrays.options)
    if not arrays.uniform or posts < max(MIN_POSTS, POSTS_PER_OPTION * parameters):
        return None
    codes = arrays.codes[:, 0]
    column = adjusted[:, 0]
    counts = np.bincount(codes)
    means = np.bincount(codes, weights=column) / np.maximum(counts, 1)
    residual = column - means[codes]
    return float(np.sqrt(residual @ residual / (posts - parameters)))


def is_noisy(noise_sd: float | None) -> bool:
    """Whether a stream of this residual SD is noisy (never with 0 as the threshold)."""
    return NOISY_STREAM_SD > 0 and noise_sd is not None and noise_sd > NOISY_STREAM_SD
