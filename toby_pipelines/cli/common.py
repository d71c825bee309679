"""What every `toby` command shares: the database it opens, the clock, input files, output."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa

from toby_pipelines.credentials.scrub import scrub
from toby_pipelines.storage.database import Database, default_database_url


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CannotOpenDatabase(ValueError):
    pass


def database(args: argparse.Namespace) -> Database:
    """The database of --database-url (else TOBY_DATABASE_URL, else data/toby.db), migrated;
    one that cannot be opened is a one-line error naming it, its password hidden."""
    url = args.database_url or default_database_url()
    try:
        opened = Database(url)
        opened.migrate()
    except (sa.exc.ArgumentError, sa.exc.OperationalError, sa.exc.NoSuchModuleError) as error:
        raise CannotOpenDatabase(
            f"cannot open the database {without_password(url)}: {first_line(error)}"
        ) from error
    return opened


def first_line(error: BaseException) -> str:
    """A database error's first line, scrubbed of secrets."""
    return scrub(str(getattr(error, "orig", None) or error).strip().splitlines()[0])


def without_password(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return repr(url)


def content_dna(path: str) -> dict:
    """The Content DNA file as a JSON object, or an error that names the file and what is wrong."""
    try:
        text = Path(path).read_text()
    except IsADirectoryError:
        raise ValueError(f"Content DNA file {path} is a directory, not a JSON file") from None
    except FileNotFoundError:
        raise ValueError(f"Content DNA file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"Content DNA file {path} cannot be read: {error}") from None
    try:
        dna = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"Content DNA file {path} is not valid JSON: {error}") from None
    if not isinstance(dna, dict):
        raise ValueError(
            f"Content DNA file {path} must hold a JSON object (niche, tone, topic_buckets,"
            f" content_examples), got a {type(dna).__name__}"
        )
    return dna


def print_json(data: object) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, default=str))
