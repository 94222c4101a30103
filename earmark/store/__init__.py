"""The SQLite store: the only place that knows table names and writes SQL.

`Store` is assembled from one mixin per concern (posts, queues, exports, runs) so each file
stays small; all of them share one sqlite-utils `Database`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from earmark.models import to_iso, utcnow
from earmark.store.alerts import AlertsMixin
from earmark.store.exports import ExportsMixin
from earmark.store.faults import (
    BUSY_TIMEOUT_MS,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    explain_fault,
    fault_kind,
    quick_check_problem,
)
from earmark.store.posts import PostsMixin
from earmark.store.queues import QueuesMixin
from earmark.store.runlog import RunLogMixin
from earmark.store.health import RunsMixin
from earmark.store.schema import MIGRATIONS, MIGRATIONS_TABLE, SCHEMA_VERSION

__all__ = ["BUSY_TIMEOUT_MS", "Store", "StoreCorruptError", "StoreError", "StoreLockedError"]


class Store(PostsMixin, QueuesMixin, ExportsMixin, RunsMixin, RunLogMixin, AlertsMixin):
    """An earmark database: open it, migrate it, read and write it."""

    def __init__(
        self,
        path: str | Path,
        *,
        migrate: bool = True,
        check_integrity: bool = True,
        connect: Callable[..., sqlite3.Connection] = sqlite3.connect,
    ):
        """Open (and create) the database; `connect` is sqlite3.connect or a stand-in for it."""
        self.path = str(path)
        conn = None
        try:
            conn = connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            if check_integrity:
                self._check_integrity_daily(conn)
        except sqlite3.Error as error:
            if conn is not None:
                conn.close()
            raise explain_fault(self.path, error) from error
        except StoreError:
            conn.close()
            raise
        try:
            self.db = sqlite_utils.Database(conn)
            if migrate:
                self.ensure_schema()
        except sqlite3.Error as error:
            conn.close()
            raise explain_fault(self.path, error) from error
        except StoreError as error:
            conn.close()
            # ensure_schema calls any failure to read the schema "not an SQLite database";
            # a full disk or an I/O error there deserves its own words.
            cause = error.__cause__
            if fault_kind(cause) in ("locked", "full", "io", "readonly", "cantopen"):
                raise explain_fault(self.path, cause) from cause
            raise

    def _check_integrity_daily(self, conn: sqlite3.Connection) -> None:
        """Run PRAGMA quick_check at most once a UTC day; the day is kept in user_version.

        A corrupt page otherwise goes unnoticed until a query happens to read it (a cron run
        may pass for weeks). An empty new file passes at once; a 1 GB one takes seconds.
        """
        today = utcnow().date().toordinal()
        if conn.execute("PRAGMA user_version").fetchone()[0] == today:
            return
        problem = quick_check_problem(conn)
        if problem is not None:
            raise StoreCorruptError(
                f"{self.path}: the database is corrupt (quick_check: {problem}); restore it "
                f"from a backup or recover it with "
                f"`sqlite3 {self.path} .recover | sqlite3 recovered.db`"
            )
        # Recording the day is a write: while another process writes (or on a read-only
        # file), skip it and check again at the next open, rather than wait or fail.
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute(f"PRAGMA user_version = {today}")
        except sqlite3.OperationalError as error:
            if fault_kind(error) not in ("locked", "readonly"):
                raise
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

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
        """Run a block in one IMMEDIATE transaction; nested calls join the outer one.

        A database fault (locked, disk full, I/O error, corruption) in the block or at COMMIT
        rolls the whole block back and is raised as a one-line StoreError.
        """
        if self.conn.in_transaction:
            yield
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise explain_fault(self.path, error) from error
        try:
            yield
            self.conn.execute("COMMIT")
        except BaseException as error:
            self._rollback()
            if fault_kind(error) is not None:
                raise explain_fault(self.path, error) from error
            raise

    def _rollback(self) -> None:
        # After SQLITE_FULL or an I/O error SQLite may already have rolled back by itself: a
        # second ROLLBACK would fail and hide the error that matters.
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def _explain(self, error: sqlite3.Error) -> str:
        """Turn SQLite's terse error into one line that says what to do."""
        return str(explain_fault(self.path, error))

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
