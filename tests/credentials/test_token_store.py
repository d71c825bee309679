"""Tokens live encrypted in the database and refresh themselves (issue 9).

Protects: no token is ever stored in plain text; keys rotate (new key first, `toby
secret-rotate`, old key dropped); the embedded default generates its own key with a warning and
any other database refuses to run without one; Instagram long-lived tokens are refreshed in
their last week against a local Graph API, X access tokens with their refresh token (the
rotated refresh token is what is kept); brand ids are slugs, so no two brands share a token.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat

import pytest
import sqlalchemy as sa

from tests.fakes.graph_api import FakeGraph
from tests.fakes.http_server import served
from tests.fakes.x_api import FakeX
from tests.world import START, build_world
from toby_pipelines.credentials.cipher import (
    KEY_FILE_NAME,
    SecretKeyError,
    TokenCipher,
    load_cipher,
    new_key,
)
from toby_pipelines.credentials.refresh import InstagramRefresher, XRefresher
from toby_pipelines.credentials.store import CredentialStore, open_store
from toby_pipelines.platforms.api_errors import TokenExpiredError
from toby_pipelines.platforms.instagram.media import account_info
from toby_pipelines.platforms.instagram.platform import InstagramPlatform, InstagramSettings
from toby_pipelines.platforms.x.platform import XPlatform
from toby_pipelines.storage.brands import check_brand_id, create_brand
from toby_pipelines.storage.database import utc

IG = "17841400000000031"
TOKEN = "IGAA-long-lived-secret-token"


def dump(database) -> str:
    """Every value of every table, as a database dump would show it."""
    with database.engine.connect() as connection:
        tables = sa.inspect(connection).get_table_names()
        return " ".join(
            str(value)
            for table in tables
            for row in connection.execute(sa.text(f"SELECT * FROM {table}"))
            for value in row
        )


@pytest.fixture
def key(monkeypatch):
    value = new_key()
    monkeypatch.setenv("TOBY_SECRET_KEY", value)
    return value


@pytest.fixture
def world(database, key):
    build_world(database, brands_per_user=2)
    return database


def test_tokens_are_stored_encrypted_and_read_back(world):
    store = open_store(world)
    store.link("u1-b0", "instagram", TOKEN, "refresh-secret-value", 3600)
    assert TOKEN not in dump(world) and "refresh-secret-value" not in dump(world)
    assert store.access_token("u1-b0", "instagram") == TOKEN
    with pytest.raises(TokenExpiredError, match="toby account-link u1-b1"):
        store.access_token("u1-b1", "instagram")  # one brand's token never serves another


def test_keys_rotate(world, monkeypatch):
    old = os.environ["TOBY_SECRET_KEY"]
    open_store(world).link("u1-b0", "instagram", TOKEN)
    fresh = new_key()
    monkeypatch.setenv("TOBY_SECRET_KEY", f"{fresh},{old}")
    assert open_store(world).rotate_keys() == 1
    monkeypatch.setenv("TOBY_SECRET_KEY", fresh)  # the old key is gone
    assert open_store(world).access_token("u1-b0", "instagram") == TOKEN
    monkeypatch.setenv("TOBY_SECRET_KEY", old)
    with pytest.raises(SecretKeyError, match="cannot be decrypted"):
        open_store(world).access_token("u1-b0", "instagram")


def test_the_embedded_default_generates_its_key_with_a_warning(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("TOBY_SECRET_KEY", raising=False)
    with caplog.at_level(logging.WARNING):
        cipher = load_cipher(tmp_path, embedded=True)
    path = tmp_path / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "TOBY_SECRET_KEY is not set" in caplog.text and path.read_text() not in caplog.text
    assert load_cipher(tmp_path, embedded=True).decrypt(cipher.encrypt("x")) == "x"
    with pytest.raises(SecretKeyError, match="TOBY_SECRET_KEY is not set"):
        load_cipher(tmp_path, embedded=False)
    monkeypatch.setenv("TOBY_SECRET_KEY", "not-a-key")
    with pytest.raises(SecretKeyError, match="key 1 is not a Fernet key"):
        load_cipher(tmp_path, embedded=True)


def test_an_instagram_token_is_refreshed_in_its_last_week(world):
    graph = FakeGraph()
    graph.add_account(IG, TOKEN, followers=777)
    linked_at = START
    clock = [linked_at]
    with served(graph):
        refresher = InstagramRefresher(base_url=graph.server.url)
        store = CredentialStore(
            world, TokenCipher([os.environ["TOBY_SECRET_KEY"].encode()]),
            {"instagram": refresher}, clock=lambda: clock[0],
        )  # fmt: skip
        store.link("u1-b0", "instagram", TOKEN, expires_in_seconds=60 * 86400)
        clock[0] = linked_at + dt.timedelta(days=50)  # 10 days left: not yet
        assert store.access_token("u1-b0", "instagram") == TOKEN and graph.refreshes == 0
        clock[0] = linked_at + dt.timedelta(days=55)  # 5 days left: refreshed
        platform = InstagramPlatform(
            world, store.token_for("instagram"), InstagramSettings(base_url=graph.server.url)
        )
        with world.transaction() as connection:
            connection.execute(sa.text("UPDATE platform_accounts SET external_id = :ig WHERE brand_id = 'u1-b0'"), {"ig": IG})  # fmt: skip
        assert account_info(platform.client("u1-b0"), IG).followers_count == 777
        assert graph.refreshes == 1
    fresh = graph.accounts[IG].token
    assert fresh != TOKEN and fresh not in dump(world)
    with world.engine.connect() as connection:
        refreshed_at, expires_at = connection.execute(sa.text("SELECT refreshed_at, expires_at FROM platform_credentials")).one()  # fmt: skip
        [description] = connection.execute(sa.text("SELECT description FROM incidents WHERE condition = 'token_refreshed'")).scalars()  # fmt: skip
    assert refreshed_at is not None and "u1-b0" in description
    assert utc(expires_at) == linked_at + dt.timedelta(days=55 + 60)  # 60 days from the refresh


def test_an_x_token_is_refreshed_and_the_rotated_refresh_token_kept(world):
    x = FakeX()
    with served(x):
        refresher = XRefresher(x.client_id, base_url=x.server.url)
        store = open_store(world, {"x": refresher})
        store.link("u1-b0", "x", x.token, x.refresh_token, expires_in_seconds=300)
        with world.transaction() as connection:
            connection.execute(sa.text("UPDATE platform_accounts SET platform = 'x', external_id = :u WHERE brand_id = 'u1-b0'"), {"u": x.user_id})  # fmt: skip
        platform = XPlatform(world, store.token_for("x"), base_url=x.server.url)
        assert platform.followers("h", START, brand_id="u1-b0") == x.followers
        rotated = x.refresh_token
        assert rotated.endswith("-r")
        # The next refresh uses the rotated refresh token (the old one is spent).
        with world.transaction() as connection:
            connection.execute(sa.text("UPDATE platform_credentials SET expires_at = :t"), {"t": dt.datetime.now(dt.UTC)})  # fmt: skip
        assert open_store(world, {"x": refresher}).access_token("u1-b0", "x") == x.token
        assert x.refresh_token == rotated + "-r"
    assert x.token not in dump(world) and rotated not in dump(world)


@pytest.mark.parametrize(
    "bad", ["glow_daily", "Glow-Daily", "glow daily", "glow--daily", "-glow", ""]
)
def test_brand_ids_are_slugs_so_no_two_fold_into_one(bad, database):
    with pytest.raises(ValueError, match="lower-case letters and digits"):
        check_brand_id(bad)
    with database.transaction() as connection, pytest.raises(ValueError, match=repr(bad)):
        create_brand(connection, brand_id=bad, user_id="nobody", name="x", dna={}, now=START)
