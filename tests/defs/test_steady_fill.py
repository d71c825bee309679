"""The buffer fill between slot times (the steady tick: every slot filled, nothing to plan)
writes nothing and commits nothing, yet still records a buffer whose state changed; on a real
database, SQLite file and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.world import START, build_world
from toby_pipelines.content.template_generator import TemplateContentGenerator
from toby_pipelines.loop import plan
from toby_pipelines.storage.incidents import record_transition

STEADY = START + dt.timedelta(minutes=5)


def _commits_during(database, step) -> tuple[int, object]:
    commits = []
    listener = lambda connection: commits.append(connection)  # noqa: E731
    sa.event.listen(database.engine, "commit", listener)
    try:
        result = step()
    finally:
        sa.event.remove(database.engine, "commit", listener)
    return len(commits), result


def test_a_fill_with_every_slot_filled_commits_nothing(database, monkeypatch):
    """67 empty write transactions a tick at 10,000 brands (one per 50 users) cost the steady
    tick about a second: with nothing inserted and no buffer changing state, none is opened."""
    build_world(database, users=("u1", "u2", "u3"), brands_per_user=2)
    monkeypatch.setattr(plan, "USERS_PER_WRITE", 2)
    generate = TemplateContentGenerator().generate
    first = plan.fill_buffer(database, generate, START)
    assert all(u.failure is None and u.generated > 0 for u in first)

    commits, steady = _commits_during(
        database, lambda: plan.fill_buffer(database, generate, STEADY)
    )
    assert commits == 0
    assert [(u.user_id, u.generated, u.failure) for u in steady] == [
        ("u1", 0, None),
        ("u2", 0, None),
        ("u3", 0, None),
    ]
    # The health is still settled and reported for every user and brand.
    assert all(u.health is not None and u.health.status == "HEALTHY" for u in steady)
    assert all(len(u.brand_health) == 2 for u in steady)


def test_a_buffer_that_changed_state_without_new_posts_is_still_recorded(database):
    """u2's buffer was last recorded critical; its slots are all filled now, though this fill
    makes no post: the move back to ok is written, and only it."""
    build_world(database, users=("u1", "u2"), brands_per_user=1)
    generate = TemplateContentGenerator().generate
    plan.fill_buffer(database, generate, START)
    with database.transaction() as connection:
        record_transition(
            connection,
            subject="user:u2",
            condition="buffer",
            state="critical",
            severity="critical",
            description="buffer CRITICAL: 0/6 slots of the next 48 hours filled",
            now=START,
            user_id="u2",
        )

    commits, steady = _commits_during(
        database, lambda: plan.fill_buffer(database, generate, STEADY)
    )
    assert commits == 1
    assert all(u.generated == 0 and u.failure is None for u in steady)
    with database.engine.connect() as connection:
        states = dict(
            connection.execute(
                sa.text("SELECT subject, state FROM incident_states WHERE condition = 'buffer'")
            ).all()
        )
        recovered = connection.execute(
            sa.text(
                "SELECT COUNT(*) FROM incidents WHERE subject = 'user:u2' AND state = 'ok'"
                " AND created_at = :at"
            ),
            {"at": STEADY},
        ).scalar()
    assert states == {"user:u2": "ok"}
    assert recovered == 1


def test_a_brand_is_checked_for_its_content_dna_only_when_it_has_a_slot_to_fill(database):
    """Checking every brand's DNA each tick cost a steady tick at 10,000 brands half a second.
    A brand whose stored DNA went bad fails its user's fill once a slot of it needs a post,
    named in the failure; until then there is nothing to write with it."""
    build_world(database, users=("u1", "u2"), brands_per_user=1)
    generate = TemplateContentGenerator().generate
    plan.fill_buffer(database, generate, START)
    with database.transaction() as connection:
        connection.execute(sa.text("UPDATE brands SET tone = '' WHERE id = 'u2-b0'"))

    steady = {u.user_id: u for u in plan.fill_buffer(database, generate, STEADY)}
    assert steady["u2"].failure is None and steady["u2"].generated == 0

    later = {
        u.user_id: u for u in plan.fill_buffer(database, generate, START + dt.timedelta(days=1))
    }
    assert later["u1"].failure is None and later["u1"].generated > 0
    assert later["u2"].generated == 0
    assert "'tone'" in later["u2"].failure.reason
