"""The SQLite store: the only place that knows table names and writes SQL.

`Store` is assembled from one mixin per concern (posts, queues, exports, runs) so each file
stays small; all of them share one sqlite-utils `Database`.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from earmark.errors import EarmarkError
from earmark.models import to_iso, utcnow
from earmark.store.alerts import AlertsMixin
from earmark.store.exports import ExportsMixin
from earmark.store.posts import PostsMixin
from earmark.store.queues import QueuesMixin
from earmark.store.runlog import RunLogMixin
from earmark.store.runs import RunsMixin
from earmark.store.schema import MIGRATIONS, MIGRATIONS_TABLE, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 5000


class StoreError(EarmarkError):
    """The database cannot be opened or used."""


class Store(PostsMixin, QueuesMixin, ExportsMixin, RunsMixin, RunLogMixin, AlertsMixin):
    """An earmark database: open it, migrate it, read and write it."""

    def __init__(self, path: str | Path, *, migrate: bool = True):
        self.path = str(path)
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.OperationalError as error:
            if "unable to open" not in str(error):
                raise StoreError(self._explain(error)) from error
            raise StoreError(
                f"{self.path}: cannot open the database ({error}); check that its directory "
                "exists and is writable"
            ) from error
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path}: not an SQLite database ({error})") from error
        self.db = sqlite_utils.Database(conn)
        if migrate:
            self.ensure_schema()

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self):
        """Run a block in one IMMEDIATE transaction; nested calls join the outer one."""
        if self.conn.in_transaction:
            yield
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise StoreError(self._explain(error)) from error
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def _explain(self, error: sqlite3.OperationalError) -> str:
        """Turn SQLite's terse error into one line that says what to do."""
        if "locked" in str(error) or "busy" in str(error):
            return (
                f"{self.path}: the database is locked by another process "
                f"(waited {BUSY_TIMEOUT_MS / 1000:g}s); try again later"
            )
        return f"{self.path}: {error}"

    def schema_version(self) -> int:
        """Return how many migrations this database has applied."""
        if not self.db[MIGRATIONS_TABLE].exists():
            return 0
        row = self.conn.execute(f"SELECT max(version) FROM {MIGRATIONS_TABLE}").fetchone()
        return row[0] or 0

    def ensure_schema(self) -> int:
        """Apply the migrations this database lacks; return how many were applied.

        Several commands may open a fresh database at once: the version is read again inside
        one IMMEDIATE transaction (SQLite's write lock), so exactly one of them migrates and
        the others, having waited, find the schema current.
        """
        try:
            if self.schema_version() == SCHEMA_VERSION:
                return 0  # the usual case: no write lock taken
            with self.transaction():
                return self._migrate()
        except StoreError:
            raise
        except sqlite3.OperationalError as error:
            raise StoreError(self._explain(error)) from error
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path}: not an SQLite database ({error})") from error

    def _migrate(self) -> int:
        existing = set(self.db.table_names())
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: database schema version {current} is newer than this earmark "
                f"supports ({SCHEMA_VERSION}); upgrade earmark"
            )
        if current == 0 and existing - {MIGRATIONS_TABLE} and "posts" not in existing:
            raise StoreError(f"{self.path}: not an earmark database (it has other tables)")
        applied = 0
        for version, migration in enumerate(MIGRATIONS, start=1):
            if version <= current:
                continue
            migration(self.db)
            self.db[MIGRATIONS_TABLE].insert(
                {"version": version, "applied_at": to_iso(utcnow())}, pk="version"
            )
            applied += 1
        return applied
