"""Markdown tables for Dagster metadata."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], limit: int = 20
) -> str:
    rows = list(rows)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"\n{len(rows) - limit} more row(s) not shown")
    if not rows:
        lines.append("| " + " | ".join(["(none)"] + [""] * (len(headers) - 1)) + " |")
    return "\n".join(lines)


def named_values(values: Mapping[str, object]) -> str:
    """A two-column table of names and values (a nested mapping becomes `name.key` rows)."""
    rows: list[tuple[str, object]] = []
    for name, value in values.items():
        if isinstance(value, Mapping):
            rows += [(f"{name}.{key}", inner) for key, inner in value.items()]
        else:
            rows.append((name, value))
    return markdown_table(["name", "value"], rows, limit=len(rows) or 1)


def listing(items: Iterable[object], limit: int = 50) -> str:
    """Items separated by commas, "none" when there are none, the rest counted past `limit`."""
    items = list(items)
    text = ", ".join(str(item) for item in items[:limit]) or "none"
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")
