"""The read commands' answers as text for a terminal (`--json` prints the data instead)."""

from __future__ import annotations

from collections.abc import Sequence

from toby_pipelines.reporting.experiment_posts import option_posts


def columns(headers: Sequence[str], rows: Sequence[Sequence[object]], empty: str) -> str:
    """Left-aligned columns, or `empty` when there are no rows."""
    if not rows:
        return empty
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value).replace("\n", " ")


def activity(data: dict) -> str:
    rows = [
        (line["at"][:16].replace("T", " "), line["level"], line["action"],
         line["description"])
        for line in data["items"]
    ]  # fmt: skip
    shown = f"\n({len(rows)} of {data['total']} lines, newest first)" if rows else ""
    return columns(["when (UTC)", "level", "action", "what"], rows, "No activity yet.") + shown


def published(data: dict) -> str:
    rows = [
        (str(p["published_at"])[:16].replace("T", " "), p["brand_id"], p["content_type"],
         p["title"], p["score"], p["views"], p["badge"])
        for p in data["items"]
    ]  # fmt: skip
    return columns(
        ["published (UTC)", "brand", "type", "title", "score", "views", "badge"],
        rows,
        "Nothing published yet.",
    )


def experiments(data: dict) -> str:
    rows = []
    for e in data["experiments"]:
        results = e["results"] or {}
        posts = ", ".join(
            option_posts(o, results.get(o, {}), e["min_samples"]) for o in e["options"]
        )
        rows.append(
            (e["brand"], e["content_type"], e["dimension"], e["status"], posts,
             e["winner"], e["completed_on"] or e["started_on"])
        )  # fmt: skip
    return columns(
        ["brand", "type", "dimension", "status", "posts per option", "winner", "date"],
        rows,
        "No experiments yet.",
    )


def insights(data: dict) -> str:
    blocks = []
    for group in data["dimensions"]:
        rows = [
            (("* " if o["option"] == group["leader"] else "  ") + o["option"], o["mean"],
             f"{o['prob_best']:.2f}", o["posts"])
            for o in group["options"]
        ]  # fmt: skip
        title = f"{group['brand']} {group['content_type']} {group['dimension']}"
        blocks.append(title + "\n" + columns(["option (* leader)", "mean", "P(best)", "posts"],
                                             rows, "  (none)"))  # fmt: skip
    weeks = [
        (w["brand"], w["content_type"], w["week"], w["mean_score"], w["posts"])
        for w in data.get("weekly", [])
    ]
    blocks.append(
        "Week by week\n"
        + columns(["brand", "type", "week of", "mean final score", "posts"], weeks,
                  "No final scores yet (a post's final score comes 7 days after it is published).")
    )  # fmt: skip
    head = f"As of {data['as_of']}." if data["as_of"] else "Nothing learned yet."
    return "\n\n".join([head, *blocks])


def config(data: dict) -> str:
    budget = data["daily_budget_usd"]
    lines = [
        f"enabled: {'yes' if data['enabled'] else 'no'}",
        f"buffer_days: {data['buffer_days']}",
        f"explore_ratio: {data['explore_ratio']:.2f}" if data["explore_ratio"] is not None
        else "explore_ratio: -",
        f"review_mode: {data['review_mode']}",
        f"daily_budget_usd: {'no limit' if budget is None else f'{budget:.2f}'}",
        "features: " + ", ".join(f"{k} {'on' if v else 'off'}" for k, v in data["features"].items()),
    ]  # fmt: skip
    for brand, by_type in data["slot_times"].items():
        times = "; ".join(f"{t} {', '.join(at) or 'none'}" for t, at in by_type.items())
        lines.append(f"slots of {brand}: {times}")
    return "\n".join(lines)


def users(data: list[dict]) -> str:
    rows = [
        (u["id"], u["email"], u["name"], u["toby"], u["phase"], ", ".join(u["brands"]) or "-")
        for u in data
    ]
    return columns(["user", "email", "name", "Toby", "phase", "brands"], rows, "No users yet.")


def brands(data: list[dict]) -> str:
    rows = [
        (b["id"], b["user"], b["name"], f"{b['platform'] or '-'} @{b['handle'] or '-'}",
         b["followers"], "; ".join(f"{t} {', '.join(at) or 'none'}"
                                   for t, at in b["slot_times"].items()))
        for b in data
    ]  # fmt: skip
    return columns(
        ["brand", "user", "name", "account", "followers", "slots (UTC)"], rows, "No brands yet."
    )


def targets(data: list[dict]) -> str:
    return "\n".join(f"{t['kind']} {t['target']}" for t in data) or "Nothing watched."
