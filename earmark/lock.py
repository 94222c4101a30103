"""Locks that die with their process: one run at a time, one delivery at a time, per database.

Both are flocks on a file beside the database's resolved path, so `--db x.db`, `--db ./x.db`
and `--db link.db` (a symlink to x.db) take the same lock.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from earmark.errors import EarmarkError

if TYPE_CHECKING:
    from typing_extensions import Self

    from earmark.store.pglock import PgRunLock

# sysexits.h EX_TEMPFAIL: "try again later", which is exactly what an overlapping cron run is.
EXIT_LOCKED = 75
# How long a delivery (notify, export --new, the run's notify stage) waits for another one.
DELIVERY_WAIT = 60.0
DELIVERY_WAIT_ENV = "EARMARK_LOCK_WAIT"
_POLL = 0.05  # seconds between tries while waiting


class LockedError(EarmarkError):
    """Another earmark process holds the lock."""


def lock_path(db_path: str, suffix: str) -> Path:
    """Return the lock file for db_path: beside the file it resolves to (symlinks followed)."""
    return Path(f"{Path(db_path).resolve()}{suffix}")


def delivery_wait(env: Mapping[str, str]) -> float:
    """Return the seconds to wait for the delivery lock ($EARMARK_LOCK_WAIT, else 60)."""
    value = (env.get(DELIVERY_WAIT_ENV) or "").strip()
    if not value:
        return DELIVERY_WAIT
    try:
        seconds = float(value)
    except ValueError:
        raise EarmarkError(
            f"${DELIVERY_WAIT_ENV}: {value!r} is not a number of seconds; e.g. 60"
        ) from None
    if not 0 <= seconds < float("inf"):
        raise EarmarkError(f"${DELIVERY_WAIT_ENV}: must be 0 or more seconds, e.g. 60")
    return seconds


def poll_until(attempt: Callable[[], bool], wait: float, sleep: Callable[[float], None]) -> bool:
    """Call `attempt` until it returns True (then return True) or, `wait` seconds from now, it
    has not (then return False); `sleep` between attempts. The wait loop of every lock."""
    deadline = time.monotonic() + wait
    while not attempt():
        if time.monotonic() >= deadline:
            return False
        sleep(_POLL)
    return True


class FileLock:
    """An exclusive flock on a file beside the database that records its holder's pid.

    The kernel drops a flock when its process dies, even by SIGKILL, so a lock left by a killed
    process is stale by construction: the next one simply takes it over (and says so with -v).
    """

    suffix = ".lock"
    what = "run lock"

    def __init__(
        self, db_path: str, *, wait: float = 0.0, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.path = lock_path(db_path, self.suffix)
        self.wait = wait
        self._sleep = sleep
        self._fd: int | None = None
        self.took_over_from: int | None = None

    def busy_message(self, holder: str) -> str:
        return f"another earmark run (pid {holder}) is using this database; exiting"

    def acquire(self) -> Self:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise EarmarkError(
                f"{self.path}: cannot create the {self.what} ({error.strerror}); check that "
                "the database's directory exists and is writable"
            ) from None

        def try_flock() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        if not poll_until(try_flock, self.wait, self._sleep):
            os.lseek(fd, 0, os.SEEK_SET)
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise LockedError(self.busy_message(holder))
        os.lseek(fd, 0, os.SEEK_SET)
        previous = os.read(fd, 32).decode("ascii", "replace").strip()
        if previous.isdigit() and int(previous) != os.getpid():
            self.took_over_from = int(previous)  # its process died without cleaning up
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> Self:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


class RunLock(FileLock):
    """One `earmark run` at a time per database: `<db>.lock`, not waited for."""


def run_lock(db_location: str) -> RunLock | PgRunLock:
    """Return the run lock of a database: RunLock beside an SQLite file, a session advisory
    lock (earmark.store.pglock) for a PostgreSQL URL, which holds across hosts."""
    from earmark.dburl import is_postgres_url

    if is_postgres_url(db_location):
        from earmark.store.pglock import PgRunLock

        return PgRunLock(db_location)
    return RunLock(db_location)


class DeliveryLock(FileLock):
    """One delivery at a time per database: `<db>.delivery.lock`, waited for up to `wait` s.

    Held while the new items for a destination are selected, sent and recorded, so a second
    process finds only what the first one left (nothing goes out twice between processes).
    """

    suffix = ".delivery.lock"
    what = "delivery lock"

    def busy_message(self, holder: str) -> str:
        waited = f" (waited {self.wait:g}s)" if self.wait else ""
        return (
            f"another earmark process (pid {holder}) is delivering from this database{waited}; "
            "try again later"
        )
