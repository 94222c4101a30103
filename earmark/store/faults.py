"""Database faults (locked, full, I/O error, corrupt, read-only) as one line that says what to do.

SQLite reports them as `sqlite3.OperationalError` or `sqlite3.DatabaseError`; Python 3.11 adds
the result code name (`sqlite_errorname`), older errors and fakes carry only the message, so
both are looked at.
"""

from __future__ import annotations

import sqlite3

from earmark.errors import EarmarkError

# sysexits.h EX_TEMPFAIL, as for an overlapping run: a locked database means "try again later".
EXIT_LOCKED = 75
BUSY_TIMEOUT_MS = 5000

# kind -> (result code name prefixes, words of the message)
_KINDS = (
    ("locked", ("SQLITE_BUSY", "SQLITE_LOCKED"), ("database is locked", "table is locked")),
    ("full", ("SQLITE_FULL",), ("database or disk is full",)),
    ("corrupt", ("SQLITE_CORRUPT",), ("malformed", "corrupt")),
    ("notadb", ("SQLITE_NOTADB",), ("file is not a database",)),
    ("readonly", ("SQLITE_READONLY",), ("readonly database", "read-only")),
    ("io", ("SQLITE_IOERR",), ("disk i/o error",)),
    ("cantopen", ("SQLITE_CANTOPEN",), ("unable to open",)),
)


class StoreError(EarmarkError):
    """The database cannot be opened or used."""

    exit_code = 1


class StoreLockedError(StoreError):
    """Another process holds the database's write lock longer than the busy timeout."""

    exit_code = EXIT_LOCKED


class StoreQueryError(StoreError):
    """A query the database refused as written (e.g. a full-text query it cannot parse)."""


class StoreCorruptError(StoreError):
    """The database file is damaged (or not an SQLite database at all)."""


def fault_kind(error: BaseException) -> str | None:
    """Return which database fault error is (locked, full, corrupt...), or None for others."""
    if not isinstance(error, sqlite3.Error):
        return None
    name = getattr(error, "sqlite_errorname", None) or ""
    text = str(error).lower()
    for kind, names, words in _KINDS:
        if name.startswith(names) or any(word in text for word in words):
            return kind
    return None


def _detail(error: BaseException, kind: str | None) -> str:
    """Return SQLite's words in parentheses, unless they only repeat what the message says."""
    text = " ".join(str(error).split()) or type(error).__name__
    # Kept verbatim where earlier versions printed it (scripts may match on it).
    words = () if kind in ("notadb", "cantopen") else next(w for k, _, w in _KINDS if k == kind)
    return "" if text.lower() in words else f" ({text})"


def explain_fault(path: str, error: BaseException) -> StoreError:
    """Return the one-line StoreError for a sqlite3 error on the database at path."""
    kind = fault_kind(error)
    detail = _detail(error, kind) if kind else f" ({' '.join(str(error).split())})"
    rolled_back = "the failed step was rolled back"
    if kind == "locked":
        return StoreLockedError(
            f"{path}: the database is locked by another process "
            f"(waited {BUSY_TIMEOUT_MS / 1000:g}s); try again later"
        )
    if kind == "full":
        return StoreError(
            f"{path}: the disk is full{detail}; {rolled_back}: free space on that disk "
            "and run again"
        )
    if kind == "io":
        return StoreError(
            f"{path}: disk I/O error{detail}; {rolled_back}: check the disk "
            "(free space, `dmesg`) and run again"
        )
    if kind == "corrupt":
        return StoreCorruptError(
            f"{path}: the database is corrupt{detail}; restore it from a backup or "
            f"recover it with `sqlite3 {path} .recover | sqlite3 recovered.db`"
        )
    if kind == "notadb":
        return StoreCorruptError(f"{path}: not an SQLite database{detail}")
    if kind == "readonly":
        return StoreError(
            f"{path}: the database is read-only{detail}; check the permissions of the file "
            "and its directory"
        )
    if kind == "cantopen":
        return StoreError(
            f"{path}: cannot open the database{detail}; check that its directory "
            "exists and is writable"
        )
    return StoreError(f"{path}: database error{detail}")


def quick_check_problem(conn: sqlite3.Connection) -> str | None:
    """Run PRAGMA quick_check; return its first complaint, or None when the file is sound."""
    rows = conn.execute("PRAGMA quick_check(1)").fetchall()
    first = rows[0][0] if rows else "no answer"
    if first == "ok":
        return None
    return " ".join(str(first).replace("*** in database main ***", "").split())
