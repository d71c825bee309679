"""HTML of the dashboard's pages: plain functions from the views' data to a page. Every value
that came from data is escaped."""

from __future__ import annotations

from html import escape

from toby_pipelines.reporting.experiment_posts import option_posts

SECTIONS = (
    ("status", "Status"),
    ("activity", "Activity"),
    ("published", "Published"),
    ("experiments", "Experiments"),
    ("insights", "Insights"),
    ("discovery", "Discovery"),
    ("buffer", "Buffer"),
    ("review", "Review"),
    ("settings", "Settings"),
)

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#1d2433;background:#f6f7fb}
header{background:#1d2433;color:#fff;padding:10px 20px;display:flex;gap:18px;align-items:center}
header a{color:#cfd6e6;text-decoration:none}header a.here{color:#fff;font-weight:600}
main{padding:20px;max-width:1100px}table{border-collapse:collapse;width:100%;background:#fff}
td,th{border-bottom:1px solid #e3e6ee;padding:6px 8px;text-align:left;font-size:14px}
.badge{border-radius:8px;padding:2px 8px;font-size:12px}.winner{background:#d8f5e1}
.average{background:#eef0f4}.underperformer{background:#fde2e2}.bar{fill:#8fa7d8}
.lead{fill:#2f6fd6}.pill{padding:3px 10px;border-radius:10px;background:#eef0f4}
.on{background:#d8f5e1}.off{background:#fde2e2}.error{color:#b3261e}
.card{background:#fff;padding:14px 18px;margin:0 0 14px;border:1px solid #e3e6ee}
"""


def page(section: str, title: str, body: str, user: str | None = None) -> str:
    links = "".join(
        f'<a href="/toby/{key}" class="{"here" if key == section else ""}">{name}</a>'
        for key, name in SECTIONS
    )
    who = f'<span style="margin-left:auto">{escape(user)}</span>' if user else ""
    nav = f"<strong>Toby</strong>{links}{who}" if user else "<strong>Toby</strong>"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Toby · {escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><header>{nav}</header>"
        f"<main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )


def table(headers: list[str], rows: list[list[str]], empty: str = "Nothing yet.") -> str:
    """Cells are HTML already (escape data with `cell`)."""
    if not rows:
        return f"<p>{escape(empty)}</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return escape(str(value))


def login(error: str | None = None) -> str:
    problem = f'<p class="error">{escape(error)}</p>' if error else ""
    form = (
        f"{problem}<form method='post' action='/toby/login' class='card'>"
        "<label>API token (from <code>toby api-token create USER</code>)<br>"
        "<input name='token' type='password' size='60' autocomplete='off'></label> "
        "<button type='submit'>Sign in</button></form>"
    )
    return page("login", "Sign in", form)


def status(data: dict, user: str, error: str | None = None) -> str:
    on = data["enabled"]
    toggle = (
        f"<form method='post' action='/toby/{'disable' if on else 'enable'}' style='display:inline'>"
        f"<button type='submit' id='toggle'>{'Turn Toby off' if on else 'Turn Toby on'}</button>"
        "</form>"
    )
    buffer = data["buffer"]
    off = [name for name, value in data["features"].items() if not value]
    body = (
        (f"<p class='error'>{escape(error)}</p>" if error else "")
        + f"<div class='card'><span class='pill {'on' if on else 'off'}' id='state'>"
        f"{'ON' if on else 'OFF'}</span> {toggle}</div>"
        f"<div class='card'>Phase: <strong id='phase'>{cell(data['phase'])}</strong> · "
        f"Buffer: <strong id='health'>{cell(buffer['health'])}</strong> "
        f"({buffer['filled_slots']}/{buffer['total_slots']} slots filled) · "
        f"Active experiments: {data['active_experiments']} · "
        f"Brands: {cell(', '.join(data['brands']))}</div>"
        f"<div class='card'>Feature flags: {cell('all on' if not off else 'off: ' + ', '.join(off))}"
        "</div>"
    )
    return page("status", "Status", body, user)


def activity(data: dict, user: str, level: str | None, action: str | None) -> str:
    rows = [
        [cell(line["at"][:16].replace("T", " ")), cell(line["level"]), cell(line["action"]),
         cell(line["description"])]
        for line in data["items"]
    ]  # fmt: skip
    options = "".join(
        f"<option value='{v}' {'selected' if v == level else ''}>{v or 'any level'}</option>"
        for v in ("", "info", "success", "warning", "error")
    )
    filters = (
        "<form method='get' class='card'>"
        f"<select name='level'>{options}</select> "
        f"<input name='action' placeholder='action, e.g. published' value='{cell(action or '')}'>"
        " <button type='submit'>Filter</button></form>"
    )
    pager = _pager("activity", data, {"level": level, "action": action})
    body = filters + table(["when (UTC)", "level", "action", "what"], rows) + pager
    return page("activity", f"Activity ({data['total']:,})", body, user)


def published(data: dict, user: str) -> str:
    cards = []
    for post in data["items"]:
        badge = post.get("badge")
        tag = f"<span class='badge {badge}'>{badge}</span>" if badge else ""
        cards.append(
            [
                thumbnail(post.get("thumbnail"), post.get("thumbnail_kind")),
                f"<strong>{cell(post['title'])}</strong>",
                cell(post["brand"]),
                cell(post["content_type"]),
                cell(post["score"]) + (f" ({post['score_phase']})" if post["score_phase"] else ""),
                cell(post["views"]),
                tag,
                cell((post["published_at"] or "")[:16].replace("T", " ")),
            ]
        )
    body = table(["", "title", "brand", "type", "score", "views", "", "published (UTC)"], cards)
    return page("published", f"Published ({data['total']:,})", body + _pager("published", data),
                user)  # fmt: skip


def thumbnail(url: str | None, kind: str | None) -> str:
    """The post's first slide or its reel, small, where its media were hosted (nothing when the
    post has no rendered media)."""
    if not url:
        return ""
    if kind == "video":
        return (
            f"<video class='thumb' src='{escape(url)}' width='72' muted preload='metadata'></video>"
        )
    return f"<img class='thumb' src='{escape(url)}' width='72' alt='' loading='lazy'>"


def experiments(items: list[dict], user: str) -> str:
    """One row per experiment; an option followed up says how many posts it is asked."""
    rows = []
    for e in items:
        results = e["results"] or {}
        samples = ", ".join(
            escape(option_posts(o, results.get(o, {}), e["min_samples"])) for o in e["options"]
        )
        leader = max(
            results, key=lambda o: results[o].get("prob_best") or 0, default=None
        ) if results else None  # fmt: skip
        p_best = results.get(leader, {}).get("prob_best") if leader else None
        rows.append(
            [cell(e["brand"]), cell(e["content_type"]), cell(e["dimension"]), cell(e["status"]),
             samples, cell(leader), cell(f"{p_best:.2f}" if p_best is not None else None),
             cell(e["winner"]), cell(e["completed_on"] or e["started_on"])]
        )  # fmt: skip
    headers = ["brand", "type", "dimension", "status", "posts per option", "leader", "P(best)",
               "winner", "date"]  # fmt: skip
    return page("experiments", "Experiments", table(headers, rows), user)


def insights(data: dict, user: str) -> str:
    blocks = []
    for group in data["dimensions"]:
        options = group["options"]
        width, row = 520, 22
        top = max((o["mean"] for o in options), default=1) or 1
        bars = []
        for i, o in enumerate(options):
            length = max(2, 360 * o["mean"] / top)
            kind = "lead" if o["option"] == group["leader"] else "bar"
            bars.append(
                f"<text x='0' y='{i * row + 15}' font-size='12'>{escape(o['option'])}</text>"
                f"<rect class='{kind}' x='150' y='{i * row + 4}' width='{length:.0f}'"
                f" height='14'/><text x='{155 + length:.0f}' y='{i * row + 15}' font-size='12'>"
                f"{o['mean']:.1f} · P(best) {o['prob_best']:.2f} · {o['posts']} posts</text>"
            )
        blocks.append(
            f"<div class='card insight'><h3>{escape(group['brand'])} · "
            f"{escape(group['content_type'])} · {escape(group['dimension'])}: best "
            f"<span class='leader'>{escape(group['leader'])}</span></h3>"
            f"<svg width='{width + 200}' height='{len(options) * row + 6}'>{''.join(bars)}</svg>"
            + (
                f"<p class='noisy'>Scores scatter about {group['noise_sd']:.0f} points around what"
                " their choices predict: Toby samples more sharply here and runs no follow-ups"
                " or scheduled retests, which at this noise would mostly chase luck.</p>"
                if group.get("noisy")
                else ""
            )
            + "</div>"
        )
    trend = table(
        ["brand", "type", "week of", "mean final score", "posts"],
        [[cell(w["brand"]), cell(w["content_type"]), cell(w["week"]), cell(w["mean_score"]),
          cell(w["posts"])] for w in data.get("weekly", [])],
        "No final scores yet: a post's final score comes 7 days after it is published.",
    )  # fmt: skip
    changers = table(
        ["title", "brand", "type", "views", "score"],
        [[cell(g["title"]), cell(g["brand"]), cell(g["content_type"]), cell(g["views"]),
          cell(g["score"])] for g in data.get("game_changers", [])],
        "No game changer yet (a post with 4x its brand's average views).",
    )  # fmt: skip
    body = (
        f"<p>As of {cell(data['as_of'])}.</p>"
        + ("".join(blocks) or "<p>Nothing learned yet.</p>")
        + "<h2>Week by week</h2><p>Mean final (7d) score of each week's posts: a line going"
        " up is Toby's content getting better.</p>"
        + weekly_chart(data.get("weekly", []))
        + f"<div id='weekly'>{trend}</div>"
        + f"<h2>Game changers</h2><div id='game-changers'>{changers}</div>"
    )
    return page("insights", "Insights", body, user)


# Colours of the weekly chart's lines, one per brand and content type (then again).
LINE_COLOURS = ("#2f6fd6", "#d65f2f", "#2f9d5a", "#8a4fd6", "#c9a227", "#d62f7a")


def weekly_chart(weeks: list[dict]) -> str:
    """An SVG line per brand and content type: x the week, y the mean final score, every point
    marked and titled with its numbers (hover shows them); empty without weeks."""
    if not weeks:
        return ""
    mondays = sorted({w["week"] for w in weeks})
    low = min(w["mean_score"] for w in weeks)
    high = max(w["mean_score"] for w in weeks)
    low, high = low - 1.0, high + 1.0
    left, top, width, height = 48, 12, 560, 200

    def x(monday: str) -> float:
        return left + (width * mondays.index(monday) / max(1, len(mondays) - 1))

    def y(score: float) -> float:
        return top + height * (high - score) / (high - low)

    lines: dict[tuple[str, str], list[dict]] = {}
    for w in weeks:
        lines.setdefault((w["brand"], w["content_type"]), []).append(w)
    parts = [
        f"<line x1='{left}' y1='{top + height}' x2='{left + width}' y2='{top + height}'"
        " stroke='#999'/>",
        f"<text x='0' y='{top + 10}' font-size='11'>{high:.0f}</text>",
        f"<text x='0' y='{top + height}' font-size='11'>{low:.0f}</text>",
    ]
    for i, monday in enumerate(mondays):
        if i == 0 or i == len(mondays) - 1 or len(mondays) <= 8:
            parts.append(
                f"<text x='{x(monday) - 18:.0f}' y='{top + height + 16}' font-size='11'>"
                f"{escape(monday[5:])}</text>"
            )
    legend = []
    for n, ((brand, content_type), points) in enumerate(sorted(lines.items())):
        colour = LINE_COLOURS[n % len(LINE_COLOURS)]
        path = " ".join(f"{x(p['week']):.1f},{y(p['mean_score']):.1f}" for p in points)
        parts.append(f"<polyline class='trend' fill='none' stroke='{colour}' points='{path}'/>")
        for p in points:
            parts.append(
                f"<circle class='week' cx='{x(p['week']):.1f}' cy='{y(p['mean_score']):.1f}'"
                f" r='3' fill='{colour}'><title>{escape(brand)} {escape(content_type)}, week of"
                f" {escape(p['week'])}: {p['mean_score']:.1f} ({p['posts']} posts)</title></circle>"
            )
        legend.append(
            f"<span style='color:{colour}'>■</span> {escape(brand)} · {escape(content_type)}"
        )
    return (
        f"<div class='card'><svg id='trend-chart' width='{left + width + 20}'"
        f" height='{top + height + 24}'>{''.join(parts)}</svg><p>{' &nbsp; '.join(legend)}</p>"
        "</div>"
    )


def discovery(findings: list[dict], user: str) -> str:
    rows = [
        [cell(f["brand"]), cell(f["kind"]), cell(f["target"]), cell(f["caption"]),
         cell(f["likes"]), cell(f["topic"]), cell(f["found_at"][:10])]
        for f in findings
    ]  # fmt: skip
    body = table(["brand", "kind", "where", "caption", "likes", "topic", "found"], rows,
                 "Nothing found in the last 7 days.")  # fmt: skip
    return page("discovery", "Discovery", body, user)


def buffer(data: dict, user: str) -> str:
    rows = [
        [cell(s["at"][:16].replace("T", " ")), cell(s["brand"]), cell(s["content_type"]),
         "filled" if s["filled"] else "<span class='error'>empty</span>", cell(s["title"])]
        for s in data["slots"]
    ]  # fmt: skip
    head = (
        f"<div class='card'>Buffer <strong>{cell(data['health'])}</strong>: "
        f"{data['filled_slots']}/{data['total_slots']} slots filled</div>"
    )
    return page("buffer", "Buffer", head + table(["slot (UTC)", "brand", "type", "", "title"], rows),
                user)  # fmt: skip


def review(data: dict, user: str, mode: str) -> str:
    rows = []
    for post in data["pending"]:
        buttons = (
            f"<form method='post' action='/toby/posts/{escape(post['id'])}/approve'"
            " style='display:inline'><button class='approve'>Approve</button></form> "
            f"<form method='post' action='/toby/posts/{escape(post['id'])}/reject'"
            " style='display:inline'><input name='reason' placeholder='why (optional)'>"
            " <button class='reject'>Reject</button></form>"
        )
        rows.append(
            [cell(post["slot_at"][:16].replace("T", " ")), cell(post["brand_id"]),
             cell(post["content_type"]), f"<strong>{cell(post['title'])}</strong>",
             cell(post["deadline"][11:16]), buttons]
        )  # fmt: skip
    head = (
        f"<div class='card'>Review mode: <strong id='mode'>{cell(mode)}</strong> (change it in"
        " Settings). A post not approved by its deadline is skipped in mode <em>skip</em> and"
        " published in mode <em>publish</em>; a rejected post is written again.</div>"
    )
    body = head + table(["slot (UTC)", "brand", "type", "title", "deadline", ""], rows,
                        "No post is waiting for review.")  # fmt: skip
    return page("review", f"Review ({len(data['pending'])})", body, user)


def settings(config: dict, user: str, error: str | None = None, note: str | None = None) -> str:
    flags = "".join(
        f"<label><input type='checkbox' name='feature_{name}' {'checked' if on else ''}> "
        f"{escape(name)}</label><br>"
        for name, on in config["features"].items()
    )
    times = "".join(
        f"<label>{escape(brand)} · {escape(content_type)} <input name='slots:{escape(brand)}:"
        f"{escape(content_type)}' value='{escape(', '.join(at))}' size='40'></label><br>"
        for brand, by_type in config["slot_times"].items()
        for content_type, at in by_type.items()
    )
    budget = config["daily_budget_usd"]
    problem = f"<p class='error' id='error'>{escape(error)}</p>" if error else ""
    done = f"<p id='note'>{escape(note)}</p>" if note else ""
    modes = "".join(
        f"<option value='{m}' {'selected' if m == config['review_mode'] else ''}>{m}</option>"
        for m in ("off", "skip", "publish")
    )
    body = (
        f"{problem}{done}<form method='post' action='/toby/settings' class='card'>"
        f"<label>Buffer days <input name='buffer_days' value='{config['buffer_days']}'></label><br>"
        f"<label>Explore ratio <input name='explore_ratio' value='{config['explore_ratio']}'>"
        f"</label><br><label>Review mode <select name='review_mode'>{modes}</select></label><br>"
        "<label>Daily AI budget, USD <input name='daily_budget_usd' value='"
        f"{'' if budget is None else f'{budget:.2f}'}' placeholder='no limit'></label><br>"
        f"<p>Slot times (HH:MM, UTC, comma-separated; empty: none of that type)</p>{times}"
        f"<p>Feature flags</p>{flags}<button type='submit'>Save</button></form>"
        "<form method='post' action='/toby/reset' class='card'>"
        "<p>Reset forgets what Toby learned (experiments, posteriors, phase); published posts and"
        " their scores stay.</p><label><input type='checkbox' name='confirm' value='yes'> I want"
        " to reset Toby's learning</label> <button type='submit'>Reset</button></form>"
    )
    return page("settings", "Settings", body, user)


def _pager(section: str, data: dict, extra: dict | None = None) -> str:
    pages = max(1, -(-data["total"] // data["per_page"]))
    query = "".join(f"&{k}={escape(v)}" for k, v in (extra or {}).items() if v)
    links = []
    if data["page"] > 1:
        links.append(f"<a href='/toby/{section}?page={data['page'] - 1}{query}'>← newer</a>")
    if data["page"] < pages:
        links.append(f"<a href='/toby/{section}?page={data['page'] + 1}{query}' id='older'>"
                     "older →</a>")  # fmt: skip
    return f"<p>Page {data['page']} of {pages} {' '.join(links)}</p>"
