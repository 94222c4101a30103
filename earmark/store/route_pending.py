"""Classified opportunity posts not yet routed: the `route_pending` table, kept by the writes
of classifications and opportunity_posts, so a run with nothing new does not compare every
classification with every routed post to find none.

A post is pending while its classification names an opportunity and it belongs to no
opportunity. Rows are added when such a classification is saved and removed when the post
joins an opportunity; a post routing left unrouted (no queue matched) stays, and is looked at
again on every run, as before. Portable SQL (SQLite and PostgreSQL).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

ROUTE_PENDING_DDL = "CREATE TABLE IF NOT EXISTS route_pending (post_id TEXT PRIMARY KEY)"
ROUTE_PENDING_BACKFILL = (
    "INSERT INTO route_pending (post_id) SELECT c.post_id FROM classifications c "
    "WHERE c.opportunity IS NOT NULL AND NOT EXISTS "
    "(SELECT 1 FROM opportunity_posts op WHERE op.post_id = c.post_id)"
)
_ADD = (
    "INSERT INTO route_pending (post_id) SELECT ? WHERE NOT EXISTS "
    "(SELECT 1 FROM opportunity_posts op WHERE op.post_id = ?) ON CONFLICT (post_id) DO NOTHING"
)
_REMOVE = "DELETE FROM route_pending WHERE post_id = ?"


def save_pending(conn: sqlite3.Connection, rows: Sequence[tuple[str, str | None]]) -> None:
    """Record (post_id, opportunity) of classifications being saved: a post with an
    opportunity and no opportunity yet is pending; one without an opportunity is not."""
    last = dict(rows)  # a post saved twice in one batch keeps its last row
    conn.executemany(_ADD, [(pid, pid) for pid, kind in last.items() if kind is not None])
    conn.executemany(_REMOVE, [(pid,) for pid, kind in last.items() if kind is None])


def save_routed(conn: sqlite3.Connection, post_id: str) -> None:
    """A post joined an opportunity: it is no longer pending."""
    conn.execute(_REMOVE, (post_id,))


def save_routed_many(conn: sqlite3.Connection, post_ids: Sequence[str]) -> None:
    """These posts joined opportunities: none is pending any more."""
    for start in range(0, len(post_ids), 500):
        part = post_ids[start : start + 500]
        conn.execute(
            f"DELETE FROM route_pending WHERE post_id IN ({', '.join('?' for _ in part)})",  # noqa: S608 - only placeholders are interpolated
            list(part),
        )
