"""A PostgreSQL database behind the interface the store's parts use on SQLite.

`PgConn` looks like the sqlite3 connection the parts call (`execute`, `executemany`, cursors
with `fetchone`/`fetchall`/`lastrowid`/`rowcount`), `PgDatabase` like the sqlite-utils handle
(`query` yielding dicts), and `PgConnection` like connection.Connection, with the same
transactions: one at a time per database, nested calls joining the outer one. Each statement
passes through pgsql.translate; each psycopg error becomes the store's one-line StoreError.

psycopg is imported here only, and this module only when a PostgreSQL URL is opened.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.numeric import NumericLoader

from earmark.store.connection import Connection
from earmark.store.faults import BUSY_TIMEOUT_MS, StoreError, StoreLockedError, StoreQueryError
from earmark.store.pgsql import PostgresDialect, translate

# Every write transaction takes this transaction-scoped advisory lock first (the counterpart
# of SQLite's BEGIN IMMEDIATE): writers queue for up to the busy timeout, then exit 75.
WRITE_LOCK = "earmark write"
_LOCKED_STATES = ("55P03", "40P01", "40001", "57014")  # lock timeout, deadlock, serialization


def explain_pg_fault(where: str, error: BaseException) -> StoreError:
    """Return the one-line StoreError for a psycopg error on the database shown as where."""
    state = getattr(error, "sqlstate", None) or ""
    text = " ".join(str(error).split()) or type(error).__name__
    text = text.split(" LINE 1:")[0]
    if state in _LOCKED_STATES:
        return StoreLockedError(
            f"{where}: the database is busy with another earmark process "
            f"(waited {BUSY_TIMEOUT_MS / 1000:g}s); try again later"
        )
    if state.startswith("53"):
        return StoreError(
            f"{where}: the database server is out of resources ({text}); the failed step was "
            "rolled back: free space or connections on the server and run again"
        )
    if state in ("42501",) or state.startswith("28"):
        return StoreError(
            f"{where}: permission denied ({text}); check the database user and its grants"
        )
    if isinstance(error, psycopg.OperationalError) and not state:
        return StoreError(
            f"{where}: cannot reach the database server ({text}); check the URL, that the "
            "server runs, and the password in $EARMARK_DATABASE_URL, PGPASSWORD or ~/.pgpass"
        )
    if state.startswith("42") or state.startswith("22"):
        return StoreQueryError(f"{where}: the database refused a query ({text})")
    return StoreError(f"{where}: database error ({text})")


class PgResult:
    """What a statement returned, read like an sqlite3 cursor."""

    def __init__(self, cursor: psycopg.Cursor, lastrowid: int | None = None) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid
        self.rowcount = cursor.rowcount

    @property
    def description(self) -> Any:
        return self._cursor.description

    def fetchone(self) -> Any:
        return self._cursor.fetchone() if self._cursor.description else None

    def fetchall(self) -> list:
        return self._cursor.fetchall() if self._cursor.description else []

    def __iter__(self) -> Iterator:
        return iter(self.fetchall())

    def close(self) -> None:
        self._cursor.close()


class PgConn:
    """A psycopg connection (autocommit; transactions are explicit) read like sqlite3's."""

    def __init__(self, raw: psycopg.Connection, where: str) -> None:
        self.raw = raw
        self.where = where

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PgResult:
        text, returns_id = translate(sql)
        cursor = self.raw.cursor()
        try:
            cursor.execute(text, list(params or ()))
        except psycopg.Error as error:
            cursor.close()
            raise explain_pg_fault(self.where, error) from error
        lastrowid = None
        if returns_id:
            row = cursor.fetchone()
            lastrowid = row[0] if row else None
        return PgResult(cursor, lastrowid)

    def execute_native(self, sql: str, params: Sequence[Any]) -> PgResult:
        """Run a statement written for PostgreSQL (`%s`, `%b` placeholders) as written."""
        cursor = self.raw.cursor()
        try:
            cursor.execute(sql, list(params))
        except psycopg.Error as error:
            cursor.close()
            raise explain_pg_fault(self.where, error) from error
        return PgResult(cursor)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PgResult:
        text, _ = translate(sql, many=True)
        cursor = self.raw.cursor()
        rows = [list(row) for row in rows]
        try:
            if rows:
                cursor.executemany(text, rows)
        except psycopg.Error as error:
            cursor.close()
            raise explain_pg_fault(self.where, error) from error
        result = PgResult(cursor)
        result.rowcount = cursor.rowcount if rows else 0
        return result

    def close(self) -> None:
        self.raw.close()


class PgDatabase:
    """The few sqlite-utils calls the parts make, on PostgreSQL."""

    def __init__(self, conn: PgConn) -> None:
        self.conn = conn

    def query(self, sql: str, params: Sequence[Any] | None = None) -> Iterator[dict]:
        text, _ = translate(sql)
        cursor = self.conn.raw.cursor(row_factory=dict_row)
        try:
            cursor.execute(text, list(params or ()))
            rows = cursor.fetchall()
        except psycopg.Error as error:
            raise explain_pg_fault(self.conn.where, error) from error
        finally:
            cursor.close()
        yield from rows

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PgResult:
        return self.conn.execute(sql, params)

    def table_names(self) -> list[str]:
        """Return the tables of the store's schema (the first of the search path)."""
        rows = self.conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
            "ORDER BY table_name"
        ).fetchall()
        return [row[0] for row in rows]


class PgConnection(Connection):
    """One open PostgreSQL database shared by the store's parts, with its transactions."""

    def __init__(self, where: str, conn: PgConn) -> None:
        self.path = where
        self.db = PgDatabase(conn)  # type: ignore[assignment]
        self.conn = conn  # type: ignore[assignment]
        self.pg = conn
        self.dialect = PostgresDialect()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run a block in one transaction holding the database's write lock; nested calls
        join the outer one. A fault rolls the whole block back (a one-line StoreError)."""
        if self.pg.in_transaction:
            yield
            return
        self.pg.execute("BEGIN")
        try:
            self.pg.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(? || current_schema(), 0))",
                [WRITE_LOCK],
            )
            yield
            self.pg.execute("COMMIT")
        except BaseException:
            if self.pg.in_transaction:
                try:
                    self.pg.raw.rollback()
                except psycopg.Error:  # the connection is gone: the server rolled it back
                    pass
            raise


def connect(url: str, where: str) -> PgConn:
    """Open the database at url: autocommit, UTC, the busy timeout as the lock timeout."""
    try:
        raw = psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=10,
            application_name="earmark",
            options=f"-c lock_timeout={BUSY_TIMEOUT_MS} -c TimeZone=UTC",
        )
    except psycopg.Error as error:
        raise explain_pg_fault(where, error) from None
    raw.adapters.register_loader("numeric", _SQLiteNumberLoader)
    return PgConn(raw, where)


class _SQLiteNumberLoader(NumericLoader):
    """numeric as SQLite gives it: sum() of integers is an int, anything else a float.

    PostgreSQL's sum() of a bigint column is numeric (a Decimal in Python), which would print
    as "20" in JSON and compare unequal to SQLite's 20.
    """

    def load(self, data: Any) -> Any:
        value = super().load(data)
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return float(value)
