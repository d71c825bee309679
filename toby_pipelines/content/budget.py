"""The per-user daily AI budget (seed 000 section 11.2) with the tiers of seed 003 section 5.1.

Tier 1 (under 50% spent): everything. Tier 2 (50-80%): everything, but the run reports it.
Tier 3 (80-100%): only essential generation: posts due within `ESSENTIAL_HOURS`. Tier 4 (100%
or more): no AI calls at all. A call whose estimated cost would take the day past the budget is
not made either. What the LLM does not write, the template generator does: no slot is left empty.
"""

from __future__ import annotations

import datetime as dt

ESSENTIAL_HOURS = 24


def budget_tier(spent_usd: float, budget_usd: float | None) -> int:
    if budget_usd is None:
        return 1
    if budget_usd <= 0:
        return 4
    share = spent_usd / budget_usd
    if share < 0.5:
        return 1
    if share < 0.8:
        return 2
    if share < 1.0:
        return 3
    return 4


def is_essential(slot_at: dt.datetime | None, now: dt.datetime | None) -> bool:
    if slot_at is None or now is None:
        return True
    return slot_at - now <= dt.timedelta(hours=ESSENTIAL_HOURS)


def may_call(
    tier: int, essential: bool, spent_usd: float, budget_usd: float | None, estimate_usd: float
) -> bool:
    """Whether an LLM call of about `estimate_usd` may be made now."""
    if tier >= 4 or (tier == 3 and not essential):
        return False
    return budget_usd is None or spent_usd + estimate_usd <= budget_usd
