"""An example audience for `toby simulate --audience examples.audience:audience`.

It likes story-telling reels about sleep, dislikes urgency, and rewards carousels that save well.
"""

import numpy as np


def audience(post: dict, rng: np.random.Generator) -> dict:
    lift = 1.0
    lift *= {"story": 1.6, "urgent": 0.6}.get(post.get("personality"), 1.0)
    lift *= 1.4 if post.get("topic_bucket") == "sleep" else 1.0
    views = int(rng.lognormal(np.log(0.4 * post["followers"] * lift + 1), 0.5))
    saves_rate = 0.03 if post["content_type"] == "carousel" else 0.01
    return {
        "views": views,
        "reach": int(views * 0.8),
        "likes": int(views * 0.05),
        "comments": int(views * 0.004),
        "saves": int(views * saves_rate),
        "shares": int(views * 0.006),
        "follows": int(views * 0.002),
    }
