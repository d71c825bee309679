"""The buffer fill writes one batch of users' posts while it plans the next (`WriteBehind`),
on a real database, SQLite file and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from tests.world import START, build_world
from toby_pipelines.content.template_generator import TemplateContentGenerator
from toby_pipelines.loop import fill_writes, plan
from toby_pipelines.loop.write_behind import WriteBehind

WAIT_S = 20.0


def test_the_fill_plans_the_next_user_while_the_last_ones_posts_are_written(database, monkeypatch):
    """u1's posts are held at the database until u2 is being planned: written in line (plan,
    write, plan) u2's planning would start only after that write, which waits for it in vain."""
    build_world(database, users=("u1", "u2"), brands_per_user=1)
    monkeypatch.setattr(plan, "USERS_PER_WRITE", 1)
    u2_planned = threading.Event()
    seen: dict[str, bool] = {}
    real_insert = fill_writes.insert_toby_posts

    def insert_once_u2_is_planned(connection, posts, now):
        if any(post.user_id == "u1" for post in posts):
            seen["u2 planned while u1 was written"] = u2_planned.wait(WAIT_S)
        return real_insert(connection, posts, now)

    template = TemplateContentGenerator()

    def generate(request, key):
        if request.user_id == "u2":
            u2_planned.set()
        return template.generate(request, key)

    monkeypatch.setattr(fill_writes, "insert_toby_posts", insert_once_u2_is_planned)
    users = {u.user_id: u for u in plan.fill_buffer(database, generate, START)}
    assert seen == {"u2 planned while u1 was written": True}
    assert all(u.failure is None and u.generated > 0 for u in users.values())
    with database.engine.connect() as connection:
        written = dict(
            connection.execute(
                sa.text("SELECT user_id, COUNT(*) FROM scheduled_posts GROUP BY user_id")
            ).all()
        )
    assert written == {"u1": users["u1"].generated, "u2": users["u2"].generated}


def test_writes_run_one_at_a_time_in_order_and_their_failure_reaches_the_caller():
    done: list[int] = []
    running = threading.Lock()

    def write(number: int) -> None:
        assert running.acquire(blocking=False), "two writes at once"
        try:
            threading.Event().wait(0.01)
            done.append(number)
        finally:
            running.release()

    with WriteBehind() as writes:
        for number in range(5):
            writes.submit(write, number)
    assert done == [0, 1, 2, 3, 4]

    def fails() -> None:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"), WriteBehind() as writes:
        writes.submit(fails)
    with pytest.raises(RuntimeError, match="went away"), WriteBehind() as writes:
        writes.submit(fails)
        writes.submit(write, 5)  # raised here, before the next write starts
    assert done == [0, 1, 2, 3, 4]


def test_a_caller_that_fails_still_waits_for_the_write_in_progress_and_says_if_it_failed():
    finished = threading.Event()

    def slow_write() -> None:
        threading.Event().wait(0.2)
        finished.set()
        raise OSError("disk full")

    with pytest.raises(ValueError, match="planning broke") as raised, WriteBehind() as writes:
        writes.submit(slow_write)
        raise ValueError("planning broke")
    assert finished.is_set()
    assert any("disk full" in note for note in raised.value.__notes__)
