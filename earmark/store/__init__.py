"""The SQLite store: the only place that knows table names and writes SQL.

`Store` opens and migrates the database and holds its parts, one module and one class per
group of tables: `store.posts` (posts.py), `store.classifications`, `store.queues`,
`store.agents`, `store.events`, `store.metrics` (queue_metrics.py), `store.exports`,
`store.alerts`, `store.runs` (runlog.py), `store.health` and `store.report`
(report_counts.py). Each is typed by its protocol in
interface.py, and all share one connection, so `store.transaction()` spans them. The schema and
its migrations are in schema.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import sqlite_utils

from earmark.dburl import is_postgres_url
from earmark.models import to_iso, utcnow
from earmark.store.agents import SQLiteAgents
from earmark.store.alerts import SQLiteAlerts
from earmark.store.classifications import SQLiteClassifications
from earmark.store.connection import Connection
from earmark.store.events import SQLiteEvents
from earmark.store.exports import SQLiteExports
from earmark.store.faults import (
    BUSY_TIMEOUT_MS,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    explain_fault,
    fault_kind,
    quick_check_problem,
)
from earmark.store.health import SQLiteSourceHealth
from earmark.store.interface import (
    AgentStore,
    AlertStore,
    ClassificationStore,
    EventStore,
    ExportStore,
    HealthStore,
    MetricsStore,
    PostStore,
    QueueStore,
    ReportStore,
    RunStore,
    StoreInterface,
)
from earmark.store.posts import SQLitePosts
from earmark.store.queue_metrics import SQLiteQueueMetrics
from earmark.store.queues import SQLiteQueues
from earmark.store.report_counts import SQLiteReportCounts
from earmark.store.runlog import SQLiteRuns
from earmark.store.schema import MIGRATIONS, MIGRATIONS_TABLE, SCHEMA_VERSION

__all__ = ["BUSY_TIMEOUT_MS", "Store", "StoreCorruptError", "StoreError", "StoreLockedError"]

_FAULTS_WITH_OWN_WORDS = ("locked", "full", "io", "readonly", "cantopen")


class Store:
    """An earmark database in SQLite: open it, migrate it, and read and write it by its parts."""

    posts: PostStore
    classifications: ClassificationStore
    queues: QueueStore
    agents: AgentStore
    events: EventStore
    metrics: MetricsStore
    exports: ExportStore
    alerts: AlertStore
    runs: RunStore
    health: HealthStore
    report: ReportStore

    def __init__(
        self,
        path: str | Path,
        *,
        migrate: bool = True,
        check_integrity: bool = True,
        connect: Callable[..., sqlite3.Connection] = sqlite3.connect,
    ) -> None:
        """Open (and create) the database; `connect` is sqlite3.connect or a stand-in for it.

        path is an SQLite file, or a PostgreSQL URL (`postgresql://host/db`): then psycopg is
        imported and `path` becomes the URL without its password.
        """
        self.path = str(path)
        self.engine = "sqlite"
        if is_postgres_url(self.path):
            self._open_postgres(self.path, migrate=migrate)
            return
        conn: sqlite3.Connection | None = None
        try:
            conn = connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            if check_integrity:
                self._check_integrity_daily(conn)
        except (sqlite3.Error, StoreError) as error:
            if conn is not None:
                conn.close()
            if isinstance(error, StoreError):
                raise
            raise explain_fault(self.path, error) from error
        self.conn = conn
        try:
            self.db = sqlite_utils.Database(conn)
            self._connection = connection = Connection(self.path, self.db)
            self._make_parts(connection)
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
            if cause is not None and fault_kind(cause) in _FAULTS_WITH_OWN_WORDS:
                raise explain_fault(self.path, cause) from cause
            raise

    def _open_postgres(self, url: str, *, migrate: bool) -> None:
        from earmark.store.pgstore import open_connection

        self.engine = "postgresql"
        self._url = url
        connection = open_connection(url)
        self.path = connection.path
        self.conn = connection.conn
        self.db = connection.db
        self._connection = connection
        self._make_parts(connection)
        if migrate:
            try:
                self.ensure_schema()
            except BaseException:
                connection.conn.close()
                raise

    def _make_parts(self, connection: Connection) -> None:
        self.posts = SQLitePosts(connection)
        self.classifications = SQLiteClassifications(connection)
        self.queues = SQLiteQueues(connection)
        self.agents = SQLiteAgents(connection)
        self.events = SQLiteEvents(connection)
        self.metrics = SQLiteQueueMetrics(connection)
        self.exports = SQLiteExports(connection)
        self.alerts = SQLiteAlerts(connection)
        self.runs = SQLiteRuns(connection)
        self.health = SQLiteSourceHealth(connection)
        self.report = SQLiteReportCounts(connection)

    def delivery_lock(self, wait: float) -> AbstractContextManager:
        """Return this database's delivery lock (a file lock beside SQLite's file, an
        advisory lock on PostgreSQL), waited for up to wait seconds."""
        if self.engine == "postgresql":
            from earmark.store.pglock import PgDeliveryLock

            return PgDeliveryLock(self._url, wait=wait)
        from earmark.lock import DeliveryLock

        return DeliveryLock(self.path, wait=wait)

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

    def close(self) -> None:
        """Close the database."""
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self) -> AbstractContextManager[None]:
        """Run a block in one IMMEDIATE transaction; nested calls join the outer one.

        Every part joins it. A database fault (locked, disk full, I/O error, corruption) in the
        block or at COMMIT rolls the whole block back and is raised as a one-line StoreError.
        """
        return self._connection.transaction()

    def _explain(self, error: sqlite3.Error) -> str:
        """Turn SQLite's terse error into one line that says what to do."""
        return str(explain_fault(self.path, error))

    def schema_version(self) -> int:
        """Return how many migrations this database has applied."""
        if self.engine == "postgresql":
            from earmark.store import pgstore

            return pgstore.schema_version(self._connection)  # type: ignore[arg-type]
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
        if self.engine == "postgresql":
            from earmark.store import pgstore

            return pgstore.ensure_schema(self._connection)  # type: ignore[arg-type]
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
            self.db.table(MIGRATIONS_TABLE).insert(
                {"version": version, "applied_at": to_iso(utcnow())}, pk="version"
            )
            applied += 1
        return applied


def _as_interface(store: Store) -> StoreInterface:
    """Never called: mypy checks here that Store implements the interface a backend must."""
    return store
