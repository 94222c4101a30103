"""The run and delivery locks of a PostgreSQL store: session advisory locks.

Each lock is a `pg_try_advisory_lock` held by a connection of its own for as long as the lock is
held: one `earmark run` per database whatever the host, one delivery at a time. When the holder
dies (even by SIGKILL, or its host by power loss) the server ends its session and the lock goes
with it, as a flock goes with its process. They behave as earmark.lock's file locks do:
`acquire` (waiting up to `wait` seconds), `release`, use as a context manager, LockedError
naming the holder (its pid and host, from its application_name).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import psycopg

from earmark.dburl import display_url
from earmark.lock import LockedError, poll_until
from earmark.store.pgconn import explain_pg_fault

if TYPE_CHECKING:
    from typing_extensions import Self

_KEY = "hashtextextended(%s || current_schema(), 0)"
_HOLDER = (
    f"WITH k AS (SELECT {_KEY} AS key) "
    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid, k "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND l.classid::text::bigint = (k.key >> 32) & 4294967295 "
    "AND l.objid::text::bigint = k.key & 4294967295 LIMIT 1"
)


class PgAdvisoryLock:
    """A session advisory lock on the database at url, on a connection of its own."""

    purpose = "earmark run"
    what = "run lock"

    def __init__(
        self, url: str, *, wait: float = 0.0, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.url = url
        self.where = display_url(url)
        self.wait = wait
        self._sleep = sleep
        self._conn: psycopg.Connection | None = None
        # A dead holder's lock is gone with its session: nothing is ever taken over.
        self.took_over_from: int | None = None

    def busy_message(self, holder: str) -> str:
        return f"another earmark run ({holder}) is using this database; exiting"

    def _holder(self, conn: psycopg.Connection) -> str:
        row = conn.execute(_HOLDER, [self.purpose]).fetchone()
        name = row[0] if row else ""
        prefix = f"{self.purpose}: "
        return name[len(prefix) :] if name.startswith(prefix) else "unknown"

    def acquire(self) -> Self:
        name = f"{self.purpose}: pid {os.getpid()} on {socket.gethostname()}"[:63]
        try:
            conn = psycopg.connect(
                self.url, autocommit=True, connect_timeout=10, application_name=name
            )
        except psycopg.Error as error:
            raise explain_pg_fault(self.where, error) from None

        def try_lock() -> bool:
            row = conn.execute(f"SELECT pg_try_advisory_lock({_KEY})", [self.purpose]).fetchone()
            return bool(row and row[0])

        try:
            if not poll_until(try_lock, self.wait, self._sleep):
                raise LockedError(self.busy_message(self._holder(conn)))
        except psycopg.Error as error:
            conn.close()
            raise explain_pg_fault(self.where, error) from None
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return self

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.close()  # the session's end releases its advisory locks
        finally:
            self._conn = None

    def __enter__(self) -> Self:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


class PgRunLock(PgAdvisoryLock):
    """One `earmark run` at a time per PostgreSQL store, on any host: not waited for."""


class PgDeliveryLock(PgAdvisoryLock):
    """One delivery at a time per PostgreSQL store (notify, export --new, alerts)."""

    purpose = "earmark delivery"
    what = "delivery lock"

    def busy_message(self, holder: str) -> str:
        waited = f" (waited {self.wait:g}s)" if self.wait else ""
        return (
            f"another earmark process ({holder}) is delivering from this database{waited}; "
            "try again later"
        )
