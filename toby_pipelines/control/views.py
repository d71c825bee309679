"""What the control API answers, as plain data built from storage (testable without a server).

Every function takes the signed-in user's id and reads or changes that user's rows only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toby_pipelines.buffer.health import buffer_health
from toby_pipelines.buffer.slots import Slot, slots_in_window
from toby_pipelines.features import checked_features, effective
from toby_pipelines.storage.activity import log_activity
from toby_pipelines.storage.ai_usage import daily_budget_usd, set_daily_budget_usd
from toby_pipelines.storage.brands import (
    list_brands,
    normalized_slot_times,
    set_slot_times,
    slot_times_by_brand,
)
from toby_pipelines.storage.database import utc
from toby_pipelines.storage.owner_views import (
    experiments_of,
    game_changers,
    newest_options,
    posts_in_window,
    score_stats,
    update_settings,
    weekly_final_scores,
)
from toby_pipelines.storage.review import (
    check_review_mode,
    pending_posts,
    review_modes,
    set_review_mode,
)
from toby_pipelines.storage.toby_state import set_explore_ratio, set_features, toby_settings
from toby_pipelines.strategy.dimensions import CONTENT_TYPES
from toby_pipelines.strategy.stream_noise import is_noisy

DEFAULT_BUFFER_DAYS = 2
# A published post's badge against its brand's final scores of the same content type.
BADGE_SD = 0.5


class NotFound(LookupError):
    """The thing asked for does not exist or is not this user's: both answer 404."""


def settings_of(connection: Connection, user_id: str):
    found = toby_settings(connection, [user_id])
    return found[0] if found else None


def owned_brand_ids(connection: Connection, user_id: str) -> list[str]:
    return [brand.id for brand in list_brands(connection, [user_id])]


def require_brand(
    connection: Connection, user_id: str, brand_id: str, owned: Collection[str] | None = None
) -> None:
    """NotFound unless the user owns the brand (`owned`: their brand ids, when read already)."""
    if brand_id not in (owned if owned is not None else owned_brand_ids(connection, user_id)):
        raise NotFound(f"no brand {brand_id!r}")


def buffer_view(connection: Connection, user_id: str, now: dt.datetime) -> dict:
    """Every slot of the buffer window and whether a post fills it, with the health of each
    brand and of the whole buffer."""
    settings = settings_of(connection, user_id)
    days = settings.buffer_days if settings else DEFAULT_BUFFER_DAYS
    end = now + dt.timedelta(days=days)
    brands = list_brands(connection, [user_id])
    times = slot_times_by_brand(connection)
    slots: list[Slot] = [
        slot
        for brand in brands
        for content_type, at in sorted(times.get(brand.id, {}).items())
        for slot in slots_in_window(brand.id, content_type, at, now, end)
    ]
    posts = {
        Slot(utc(r.slot_at), r.brand_id, r.content_type): r
        for r in posts_in_window(connection, [b.id for b in brands], now, end)
    }
    names = {brand.id: brand.name for brand in brands}
    health = buffer_health(slots, posts, now)
    by_brand = {
        brand.id: buffer_health([s for s in slots if s.brand_id == brand.id], posts, now)
        for brand in brands
    }
    return {
        "health": health.status,
        "filled_slots": health.filled_slots,
        "total_slots": health.total_slots,
        "hours_covered": round(health.hours_covered, 1),
        "brands": [
            {
                "brand_id": b,
                "brand": names[b],
                "health": h.status,
                "filled": h.filled_slots,
                "total": h.total_slots,
            }
            for b, h in by_brand.items()
        ],
        "slots": [
            {
                "at": slot.at.isoformat(),
                "brand_id": slot.brand_id,
                "brand": names[slot.brand_id],
                "content_type": slot.content_type,
                "filled": slot in posts,
                "status": posts[slot].status if slot in posts else None,
                "title": posts[slot].title if slot in posts else None,
            }
            for slot in sorted(slots)
        ],
    }


def status_view(connection: Connection, user_id: str, now: dt.datetime) -> dict:
    settings = settings_of(connection, user_id)
    experiments = experiments_of(connection, user_id)
    buffer = buffer_view(connection, user_id, now)
    return {
        "user_id": user_id,
        "enabled": bool(settings and settings.enabled),
        "phase": settings.phase if settings else None,
        "enabled_at": settings.enabled_at.isoformat() if settings and settings.enabled_at else None,
        "buffer": {key: buffer[key] for key in ("health", "filled_slots", "total_slots")},
        "active_experiments": sum(e["status"] == "active" for e in experiments),
        "features": dict(settings.features) if settings else effective({}),
        "brands": [b.name for b in list_brands(connection, [user_id])],
    }


def badge(score: float | None, stats: tuple | None) -> str | None:
    """winner / average / underperformer against the brand's scores of the same content type
    (None while unscored, or while the brand has fewer than 3 scored posts of it)."""
    if score is None or stats is None or stats[0] < 3:
        return None
    _, mean, sd = stats
    if score >= mean + BADGE_SD * sd:
        return "winner"
    if score <= mean - BADGE_SD * sd:
        return "underperformer"
    return "average"


def with_badges(connection: Connection, user_id: str, posts: list[dict]) -> list[dict]:
    stats = score_stats(connection, user_id)
    return [
        {**post, "badge": badge(post["score"], stats.get((post["brand_id"], post["content_type"])))}
        for post in posts
    ]


def insights_view(connection: Connection, user_id: str) -> dict:
    """Per brand, content type and dimension: options best first, the leader marked, and how
    noisy the stream's scores are (`stream_noise`: a noisy one is sampled more sharply and its
    experiments skip follow-ups and scheduled retests)."""
    groups: dict[tuple[str, str, str, str], list] = {}
    as_of = None
    for row in newest_options(connection, user_id):
        as_of = str(row.as_of_date)
        key = (row.brand_id, row.brand_name, row.content_type, row.dimension)
        groups.setdefault(key, []).append(row)
    dimensions = []
    for (brand_id, brand, content_type, dimension), rows in sorted(groups.items()):
        rows.sort(key=lambda r: -r.post_mean)
        dimensions.append(
            {
                "brand_id": brand_id,
                "brand": brand,
                "content_type": content_type,
                "dimension": dimension,
                "leader": rows[0].option_value,
                "noise_sd": None if rows[0].noise_sd is None else round(rows[0].noise_sd, 1),
                "noisy": is_noisy(rows[0].noise_sd),
                "options": [
                    {
                        "option": r.option_value,
                        "mean": round(r.post_mean, 2),
                        "interval": [round(r.interval_low, 2), round(r.interval_high, 2)],
                        "prob_best": round(r.prob_best, 4),
                        "posts": r.sample_count,
                    }
                    for r in rows
                ],
            }
        )
    return {
        "as_of": as_of,
        "dimensions": dimensions,
        "weekly": weekly_final_scores(connection, user_id),
        "game_changers": game_changers(connection, user_id),
    }


def config_view(connection: Connection, user_id: str) -> dict:
    settings = settings_of(connection, user_id)
    owned = owned_brand_ids(connection, user_id)
    times = slot_times_by_brand(connection)
    return {
        "enabled": bool(settings and settings.enabled),
        "buffer_days": settings.buffer_days if settings else DEFAULT_BUFFER_DAYS,
        "explore_ratio": settings.explore_ratio if settings else None,
        "features": dict(settings.features) if settings else effective({}),
        "review_mode": _user_review_mode(connection, user_id),
        "brand_review_modes": {
            b: mode for b, mode in review_modes(connection).items() if b in owned
        },
        "daily_budget_usd": daily_budget_usd(connection, user_id),
        "slot_times": {
            b: {ct: times.get(b, {}).get(ct, []) for ct in CONTENT_TYPES} for b in owned
        },
    }


def change_config(connection: Connection, user_id: str, changes: dict, now: dt.datetime) -> dict:
    """Apply a PATCH; every field is checked first, so a bad one changes nothing."""
    known = {
        "buffer_days",
        "explore_ratio",
        "features",
        "review_mode",
        "brand_review_modes",
        "daily_budget_usd",
        "slot_times",
    }
    unknown = sorted(set(changes) - known)
    if unknown:
        raise ValueError(f"{unknown[0]}: not a setting ({', '.join(sorted(known))})")
    if settings_of(connection, user_id) is None:
        raise ValueError("Toby has never been enabled for this user: enable it first")
    days = changes.get("buffer_days")
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 14
    ):
        raise ValueError(f"buffer_days must be a whole number from 1 to 14, got {days!r}")
    ratio = changes.get("explore_ratio")
    if ratio is not None and (
        isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 <= ratio <= 1
    ):
        raise ValueError(f"explore_ratio must be a number from 0 to 1, got {ratio!r}")
    review = changes.get("review_mode")
    if review is not None:
        check_review_mode(review)
    brand_modes = changes.get("brand_review_modes") or {}
    if not isinstance(brand_modes, dict):
        raise ValueError(
            f"brand_review_modes must be an object of brand: mode, got {brand_modes!r}"
        )
    owned = owned_brand_ids(connection, user_id)
    for brand_id, mode in brand_modes.items():
        require_brand(connection, user_id, brand_id, owned)
        if mode is not None:
            check_review_mode(mode, f"brand_review_modes.{brand_id}")
    features = changes.get("features")
    if features is not None:
        if not isinstance(features, dict):
            raise ValueError(f"features must be an object of flag: true/false, got {features!r}")
        checked_features(features)
    budget = _checked_budget(changes["daily_budget_usd"]) if "daily_budget_usd" in changes else None
    slot_times = _checked_slot_times(connection, user_id, owned, changes.get("slot_times"))
    if ratio is not None:
        set_explore_ratio(connection, user_id, float(ratio))
    update_settings(connection, user_id, buffer_days=days)
    if features:
        set_features(connection, user_id, features, now)
    if review is not None:
        set_review_mode(connection, user_id, review)
    for brand_id, mode in brand_modes.items():
        set_review_mode(connection, user_id, mode, brand_id)
    if "daily_budget_usd" in changes:
        set_daily_budget_usd(connection, user_id, budget)
    for (brand_id, content_type), times in slot_times.items():
        set_slot_times(connection, brand_id, content_type, times)
    _log_settings_change(connection, user_id, changes, budget, slot_times, now)
    return config_view(connection, user_id)


# A typo's guard: no one means to let the LLM spend more than this a day.
MAX_DAILY_BUDGET_USD = 10_000


def _checked_budget(value: object) -> float | None:
    """None (unlimited) or dollars from 0 to MAX_DAILY_BUDGET_USD."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (0 <= value <= MAX_DAILY_BUDGET_USD)
    ):
        raise ValueError(
            f"daily_budget_usd must be a number of dollars from 0 to {MAX_DAILY_BUDGET_USD}"
            f" (or null for no limit), got {value!r}"
        )
    return float(value)


def _checked_slot_times(
    connection: Connection, user_id: str, owned: Collection[str], value: object
) -> dict[tuple[str, str], list[str]]:
    """{brand: {content type: ["HH:MM", ...]}} checked whole: the user's brands only (another's
    is a 404), known content types, valid times, none twice. Types left out keep their times."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(
            f'slot_times must be an object of brand: {{content type: ["HH:MM", ...]}}, got {value!r}'
        )
    checked: dict[tuple[str, str], list[str]] = {}
    for brand_id, by_type in value.items():
        require_brand(connection, user_id, brand_id, owned)
        field = f"slot_times.{brand_id}"
        if not isinstance(by_type, dict):
            raise ValueError(f'{field} must be an object of content type: ["HH:MM", ...]')
        for content_type, times in by_type.items():
            where = f"{field}.{content_type}"
            if content_type not in CONTENT_TYPES:
                raise ValueError(f"{where}: content type must be one of {list(CONTENT_TYPES)}")
            if not isinstance(times, list) or not all(isinstance(t, str) for t in times):
                raise ValueError(f'{where} must be a list of "HH:MM" times, got {times!r}')
            try:
                checked[(brand_id, content_type)] = normalized_slot_times(content_type, times)
            except ValueError as error:
                raise ValueError(f"{where}: {error}") from None
    return checked


def _log_settings_change(
    connection: Connection,
    user_id: str,
    changes: dict,
    budget: float | None,
    slot_times: dict[tuple[str, str], list[str]],
    now: dt.datetime,
) -> None:
    """One activity line for what changed besides feature flags (those log their own)."""
    said = []
    if changes.get("buffer_days") is not None:
        said.append(f"buffer {changes['buffer_days']} day(s)")
    if changes.get("explore_ratio") is not None:
        said.append(f"explore ratio {float(changes['explore_ratio']):.2f}")
    if changes.get("review_mode") is not None:
        said.append(f"review mode {changes['review_mode']}")
    if "daily_budget_usd" in changes:
        said.append("no daily AI budget" if budget is None else f"daily AI budget ${budget:.2f}")
    for (brand_id, content_type), times in sorted(slot_times.items()):
        said.append(f"{brand_id} {content_type} slots {', '.join(times) or 'none'}")
    if not said:
        return
    log_activity(
        connection,
        user_id=user_id,
        action_type="settings_changed",
        description="Settings changed: " + "; ".join(said),
        dedupe_key=f"settings:{user_id}:{now.isoformat()}",
        now=now,
        metadata={"changed": sorted(k for k in changes if k != "features")},
    )


def _user_review_mode(connection: Connection, user_id: str) -> str:
    mode = connection.execute(
        sa.text("SELECT review_mode FROM toby_state WHERE user_id = :u"), {"u": user_id}
    ).scalar()
    return mode or "off"


def review_view(connection: Connection, user_id: str) -> dict:
    return {
        "pending": [
            {
                "id": p.id,
                "brand_id": p.brand_id,
                "content_type": p.content_type,
                "slot_at": p.slot_at.isoformat(),
                "deadline": p.deadline.isoformat(),
                "title": p.title,
                "caption": p.caption,
            }
            for p in pending_posts(connection, user_id)
        ]
    }
