"""One run at a time per database, with a lock that dies with its process."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from earmark.errors import EarmarkError

# sysexits.h EX_TEMPFAIL: "try again later", which is exactly what an overlapping cron run is.
EXIT_LOCKED = 75


class LockedError(EarmarkError):
    """Another earmark run holds the database's run lock."""


class RunLock:
    """An exclusive flock on `<db>.lock`.

    The kernel drops a flock when its process dies, even by SIGKILL, so a lock left by a killed
    run is stale by construction: the next run simply takes it over (and says so with -v).
    """

    def __init__(self, db_path: str):
        self.path = Path(f"{db_path}.lock")
        self._fd: int | None = None
        self.took_over_from: int | None = None

    def acquire(self) -> RunLock:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise EarmarkError(
                f"{self.path}: cannot create the run lock ({error.strerror}); check that the "
                "database's directory exists and is writable"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise LockedError(
                f"another earmark run (pid {holder}) is using this database; exiting"
            ) from None
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

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
