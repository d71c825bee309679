"""Populate a database with many brands' history in bulk, by copying the template world's rows.

Every row written is a row the real loop wrote for the template brand (`template.py`), with the
brand, user and account renamed and its dates moved: one template day's published posts, their
tags, platform media, snapshots and scores become each brand's posts of every history day, and the
template's last-day baselines, posteriors, experiments and state become each brand's (experiments
also as the earlier runs that a month's retests leave behind). So the populated database has
exactly the shape the code writes, at any size, in minutes: PostgreSQL takes it through COPY,
SQLite through executemany in one transaction per day.

Users own 1 to 5 brands (1, 2, 3, 4, 5, 1, 2, ...: three on average).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from toby_pipelines.scale.template import (
    COPIED_DAY,
    TEMPLATE_BRAND,
    TEMPLATE_DAYS,
    TEMPLATE_HANDLE,
    TEMPLATE_USER,
)
from toby_pipelines.storage.database import Database
from toby_pipelines.strategy.experiments import RETEST_AFTER_DAYS

BRAND_NAME = "Template Brand"
TEMPLATE_EMAIL = "template@toby.example"
BRANDS_PER_USER = (1, 2, 3, 4, 5)
# Tables copied once per brand (or per user) and once per history day, in foreign-key order.
PER_BRAND_TABLES = (
    "users",
    "brands",
    "brand_slots",
    "platform_accounts",
    "sim_platform_accounts",
    "toby_state",
    "toby_experiments",
    "toby_strategy_scores",
)
PER_DAY_TABLES = (
    "scheduled_posts",
    "toby_content_tags",
    "sim_platform_media",
    "metrics_snapshots",
    "post_scores",
    "brand_baselines",
    "toby_activity_log",
)
PER_USER_TABLES = {"users", "toby_state"}
# A row of these tables is dropped when the moved date in this column is after the history.
NOT_AFTER_HISTORY = {"metrics_snapshots": "partition_date", "post_scores": "score_date"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{8}(?=T\d{4}Z)")
_MEDIA_ID = re.compile(r"sim_[0-9a-f]{20}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class Owner:
    """Who a copied brand is: its index, its user's index and whether it is the user's first."""

    brand: int
    user: int
    first_of_user: bool


def owners(brands: int) -> list[Owner]:
    result: list[Owner] = []
    user = 0
    while len(result) < brands:
        size = BRANDS_PER_USER[user % len(BRANDS_PER_USER)]
        for offset in range(min(size, brands - len(result))):
            result.append(Owner(len(result), user, offset == 0))
        user += 1
    return result


def brand_id(index: int) -> str:
    return f"scale-b{index:05d}"


def user_id(index: int) -> str:
    return f"scale-u{index:05d}"


def handle(index: int) -> str:
    return f"scaleb{index:05d}"


def media_id(post_id: str) -> str:
    # The simulated platform's own media id for a post (platforms/simulated.py).
    return "sim_" + hashlib.sha256(post_id.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Template:
    start: dt.date
    columns: dict[str, list[str]]
    rows: dict[str, list[tuple]]  # per table, the template's rows as stored (text)
    copied_posts: list[str]  # ids of the posts published on the copied day, in order

    @property
    def copied_date(self) -> dt.date:
        return self.start + dt.timedelta(days=COPIED_DAY)

    @property
    def last_date(self) -> dt.date:
        return self.start + dt.timedelta(days=TEMPLATE_DAYS - 1)


def read_template(path: Path) -> Template:
    connection = sqlite3.connect(path)
    try:
        start = dt.date.fromisoformat(
            connection.execute("SELECT created_at FROM users").fetchone()[0][:10]
        )
        copied = (start + dt.timedelta(days=COPIED_DAY)).isoformat()
        posts = [
            r[0]
            for r in connection.execute(
                "SELECT id FROM scheduled_posts WHERE status = 'published'"
                " AND substr(slot_at, 1, 10) = ? ORDER BY slot_at, id",
                (copied,),
            )
        ]
        last = (start + dt.timedelta(days=TEMPLATE_DAYS - 1)).isoformat()
        marks = ",".join("?" * len(posts))
        select = {
            "users": ("SELECT * FROM users", ()),
            "brands": ("SELECT * FROM brands", ()),
            "brand_slots": ("SELECT * FROM brand_slots", ()),
            "platform_accounts": ("SELECT * FROM platform_accounts", ()),
            "sim_platform_accounts": ("SELECT * FROM sim_platform_accounts", ()),
            "toby_state": ("SELECT * FROM toby_state", ()),
            "toby_experiments": ("SELECT * FROM toby_experiments", ()),
            "toby_strategy_scores": ("SELECT * FROM toby_strategy_scores", ()),
            "scheduled_posts": (f"SELECT * FROM scheduled_posts WHERE id IN ({marks})", posts),
            "toby_content_tags": (
                f"SELECT * FROM toby_content_tags WHERE post_id IN ({marks})",
                posts,
            ),
            "sim_platform_media": (
                f"SELECT * FROM sim_platform_media WHERE idempotency_key IN ({marks})",
                posts,
            ),
            "metrics_snapshots": (
                f"SELECT * FROM metrics_snapshots WHERE post_id IN ({marks})",
                posts,
            ),
            "post_scores": (f"SELECT * FROM post_scores WHERE post_id IN ({marks})", posts),
            "brand_baselines": ("SELECT * FROM brand_baselines WHERE as_of_date = ?", (last,)),
            "toby_activity_log": (
                "SELECT * FROM toby_activity_log WHERE substr(created_at, 1, 10) = ?",
                (copied,),
            ),
        }
        columns: dict[str, list[str]] = {}
        rows: dict[str, list[tuple]] = {}
        for table, (sql, params) in select.items():
            cursor = connection.execute(sql, tuple(params))
            columns[table] = [c[0] for c in cursor.description]
            rows[table] = [tuple(r) for r in cursor.fetchall()]
    finally:
        connection.close()
    # Copied history carries no planning record: a posterior version is stored once under the
    # hash of its body, so the template's cannot be renamed onto each copied brand. (Posts the
    # real tick plans on the populated database record theirs.)
    unrecorded = [columns["toby_content_tags"].index(c) for c in ("posterior_version", "decision")]
    rows["toby_content_tags"] = [
        tuple(None if i in unrecorded else value for i, value in enumerate(row))
        for row in rows["toby_content_tags"]
    ]
    return Template(start, columns, rows, posts)


def _copy_text(value: object) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def _shift_dates(text: str, days: int) -> str:
    def moved(match: re.Match) -> str:
        token = match.group(0)
        if "-" in token:
            return (dt.date.fromisoformat(token) + dt.timedelta(days=days)).isoformat()
        day = dt.datetime.strptime(token, "%Y%m%d").date() + dt.timedelta(days=days)
        return day.strftime("%Y%m%d")

    return _DATE.sub(moved, text) if days else text


class _LineTemplate:
    """A row as one COPY line with the brand's names left as placeholders."""

    def __init__(
        self, table: str, row: tuple, days: int, media: dict[str, int], experiments: list[str]
    ) -> None:
        line = "\t".join(_copy_text(v) for v in row).replace("{", "{{").replace("}", "}}")
        # Experiments are copied once per brand: a post keeps pointing at its brand's copy.
        for index, experiment in enumerate(experiments):
            line = line.replace(experiment, f"{{e[{index}]}}")
        line = _shift_dates(line, days)
        line = _MEDIA_ID.sub(
            lambda m: f"{{m[{media[m.group(0)]}]}}" if m.group(0) in media else m.group(0), line
        )
        if table == "toby_activity_log":
            # Activity ids are uuid4s: each copy gets its own, unique per brand and day.
            line = _UUID.sub(
                lambda m: f"{m.group(0)[:19]}{days % 10_000:04d}-{{k:012d}}", line, count=1
            )
        for name, placeholder in (
            (TEMPLATE_EMAIL, "{u}@toby.example"),
            (TEMPLATE_BRAND, "{b}"),
            (TEMPLATE_USER, "{u}"),
            (TEMPLATE_HANDLE, "{h}"),
            (BRAND_NAME, "{n}"),
        ):
            line = line.replace(name, placeholder)
        self.text = line + "\n"
        self.brand_level = "{b}" in line or "{h}" in line or table in PER_DAY_TABLES[:-1]


@dataclass
class PopulateSummary:
    brands: int
    users: int
    days: int
    rows: dict[str, int]
    seconds: float = 0.0


Progress = Callable[[int, int], None]


def populate(
    database: Database,
    template: Template,
    *,
    brands: int,
    days: int,
    end: dt.date,
    progress: Progress | None = None,
) -> PopulateSummary:
    """Write `brands` brands, each with `days` days of history ending on `end`."""
    people = owners(brands)
    media_index = {
        mid: i
        for i, mid in enumerate(
            media_id(p) for p in template.copied_posts
        )  # the template's own media ids, in post order
    }
    writer = _writer(database)
    counts: dict[str, int] = {}
    brand_shift = (end - template.last_date).days
    experiments = [r[0] for r in template.rows["toby_experiments"]]
    moved_experiments = [_shift_dates(e, brand_shift) for e in experiments]
    for table in PER_BRAND_TABLES:
        lines = [
            _LineTemplate(table, row, shift, media_index, [])
            for shift in _shifts(table, brand_shift, days)
            for row in template.rows[table]
        ]
        wanted = [o for o in people if o.first_of_user] if table in PER_USER_TABLES else people
        counts[table] = writer(
            table, template.columns[table], _render(lines, wanted, [], [], per_user=False)
        )
    first_day = end - dt.timedelta(days=days - 1)
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        shift = (day - template.copied_date).days
        baseline_shift = (day - template.last_date).days
        post_ids = [_shift_dates(p, shift) for p in template.copied_posts]
        for table in PER_DAY_TABLES:
            moved = baseline_shift if table == "brand_baselines" else shift
            lines = [
                _LineTemplate(table, row, moved, media_index, experiments)
                for row in template.rows[table]
                if _within(table, template.columns[table], row, moved, end)
            ]
            counts[table] = counts.get(table, 0) + writer(
                table,
                template.columns[table],
                _render(
                    lines,
                    people,
                    post_ids,
                    moved_experiments,
                    per_user=table == "toby_activity_log",
                ),
            )
        if progress is not None:
            progress(offset + 1, days)
    vacuum_and_analyze(database)
    return PopulateSummary(brands, sum(o.first_of_user for o in people), days, counts)


def _shifts(table: str, brand_shift: int, days: int) -> list[int]:
    """How far a per-brand table's rows are moved: once, to the end of the history; experiments
    also to each earlier run the history holds, a retest every RETEST_AFTER_DAYS (the runs a
    retest replaced stay in the table as they were)."""
    if table != "toby_experiments":
        return [brand_shift]
    return [
        brand_shift - RETEST_AFTER_DAYS * run for run in range(max(1, days // RETEST_AFTER_DAYS))
    ]


def _within(table: str, columns: list[str], row: tuple, shift: int, end: dt.date) -> bool:
    column = NOT_AFTER_HISTORY.get(table)
    if column is None:
        return True
    value = row[columns.index(column)]
    return dt.date.fromisoformat(str(value)[:10]) + dt.timedelta(days=shift) <= end


def _render(
    lines: list[_LineTemplate],
    people: list[Owner],
    post_ids: list[str],
    experiments: list[str],
    *,
    per_user: bool,
) -> Iterator[str]:
    brand_lines = [line.text for line in lines if line.brand_level or not per_user]
    user_lines = [line.text for line in lines if per_user and not line.brand_level]
    for owner in people:
        b = brand_id(owner.brand)
        names = {
            "b": b,
            "u": user_id(owner.user),
            "h": handle(owner.brand),
            "n": f"Brand {owner.brand}",
            "k": owner.brand,
            "m": [media_id(p.replace(TEMPLATE_BRAND, b)) for p in post_ids],
            "e": [e.replace(TEMPLATE_BRAND, b) for e in experiments],
        }
        for text in brand_lines:
            yield text.format(**names)
        if owner.first_of_user:
            for text in user_lines:
                yield text.format(**names)


Writer = Callable[[str, list[str], Iterator[str]], int]
CHUNK_LINES = 100_000


def _writer(database: Database) -> Writer:
    if database.dialect == "postgresql":
        return _postgres_writer(database)
    return _sqlite_writer(database)


def _chunks(lines: Iterator[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= CHUNK_LINES:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _postgres_writer(database: Database) -> Writer:
    def write(table: str, columns: list[str], lines: Iterator[str]) -> int:
        written = 0
        raw = database.engine.raw_connection()
        try:
            cursor = raw.cursor()
            for chunk in _chunks(lines):
                cursor.copy_expert(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO("".join(chunk))
                )
                written += len(chunk)
            raw.commit()
        finally:
            raw.close()
        return written

    return write


def _unescape(field: str) -> str | None:
    if field == "\\N":
        return None
    if "\\" not in field:
        return field
    return (
        field.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r").replace("\\\\", "\\")
    )


def _sqlite_writer(database: Database) -> Writer:
    def write(table: str, columns: list[str], lines: Iterator[str]) -> int:
        written = 0
        statement = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        )
        raw = database.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("BEGIN")
            for chunk in _chunks(lines):
                cursor.executemany(
                    statement,
                    [tuple(_unescape(f) for f in line[:-1].split("\t")) for line in chunk],
                )
                written += len(chunk)
            cursor.execute("COMMIT")
        finally:
            raw.close()
        return written

    return write


def vacuum_and_analyze(database: Database) -> None:
    """Statistics for the planner and, on PostgreSQL, the vacuum that autovacuum would have run
    on rows written over months (visibility maps, hint bits): a database fresh from `COPY` is
    read more slowly than one a running Toby keeps (measured: the first fill at 1,000 brands
    took 13.3 s of wall time fresh, 11.7 s vacuumed). VACUUM runs outside a transaction."""
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        return
    with database.engine.connect() as connection:
        connection.execute(sa.text("ANALYZE"))
        connection.commit()
