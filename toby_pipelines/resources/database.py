"""The application database as a Dagster resource; migrations run when it is first used."""

from __future__ import annotations

import dagster as dg
from pydantic import PrivateAttr

from toby_pipelines.storage.database import Database


class TobyDatabaseResource(dg.ConfigurableResource):
    """Toby's application database (SQLite file by default, PostgreSQL via TOBY_DATABASE_URL)."""

    url: str

    _database: Database | None = PrivateAttr(default=None)

    def get(self) -> Database:
        if self._database is None:
            database = Database(self.url)
            database.migrate()
            self._database = database
        return self._database

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._database is not None:
            self._database.dispose()
            self._database = None
