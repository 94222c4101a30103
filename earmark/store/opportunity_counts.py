"""Opportunities counted per creation hour, queue, agent and platform, kept up to date by the
writes of opportunities: the `opportunity_counts` table `stats` sums instead of reading every
item of its window.

Per (hour, queue, agent, platform) (agent and platform '' when unset): created (items),
resolved (status resolved), late (answered after sla_due), open (in an open status) and pool
(status open, nobody's: waiting in a pool). An
item's row is taken out before an update that can move it and put back after, in the same
transaction. What depends on the time of asking (unanswered items past sla_due) is not kept:
stats counts those from idx_opportunities_waiting_due. Portable SQL (SQLite and PostgreSQL).
"""

from __future__ import annotations

import sqlite3

from earmark.models import OPEN_STATUSES
from earmark.store.tables import WAITING

HOUR_CHARS = 13
OPPORTUNITY_COUNTS_DDL = (
    "CREATE TABLE IF NOT EXISTS opportunity_counts ("
    "hour TEXT NOT NULL, queue TEXT NOT NULL, agent TEXT NOT NULL, platform TEXT NOT NULL, "
    "created INTEGER NOT NULL, resolved INTEGER NOT NULL, late INTEGER NOT NULL, "
    "open INTEGER NOT NULL, pool INTEGER NOT NULL, PRIMARY KEY (hour, queue, agent, platform))"
)
# Unanswered items not dismissed, by due time: the breaches `stats` counts at its `now`.
WAITING_INDEX_DDL = (
    "CREATE INDEX IF NOT EXISTS idx_opportunities_waiting_due "
    f"ON opportunities (sla_due, created_at) WHERE {WAITING}"
)
_OPEN = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
_KEY = f"substr(created_at, 1, {HOUR_CHARS}), queue, coalesce(agent, ''), coalesce(platform, '')"
_RESOLVED = "CASE WHEN status = 'resolved' THEN 1 ELSE 0 END"
_LATE = (
    "CASE WHEN sla_due IS NOT NULL AND first_response_at IS NOT NULL "
    "AND first_response_at > sla_due THEN 1 ELSE 0 END"
)
_IS_OPEN = f"CASE WHEN status IN ({_OPEN}) THEN 1 ELSE 0 END"
_IN_POOL = "CASE WHEN status = 'open' AND agent IS NULL THEN 1 ELSE 0 END"
_COLUMNS = (
    "INSERT INTO opportunity_counts (hour, queue, agent, platform, created, resolved, late, "
    "open, pool) "
)
_UPSERT = (
    " ON CONFLICT (hour, queue, agent, platform) DO UPDATE SET "
    "created = opportunity_counts.created + excluded.created, "
    "resolved = opportunity_counts.resolved + excluded.resolved, "
    "late = opportunity_counts.late + excluded.late, "
    "open = opportunity_counts.open + excluded.open, "
    "pool = opportunity_counts.pool + excluded.pool"
)
OPPORTUNITY_COUNTS_BACKFILL = (
    f"{_COLUMNS}SELECT {_KEY}, count(*), sum({_RESOLVED}), sum({_LATE}), sum({_IS_OPEN}), "
    f"sum({_IN_POOL}) "
    f"FROM opportunities GROUP BY {_KEY}"
)
# Fields of opportunities whose change can move an item between counts.
COUNTED_FIELDS = frozenset(
    {"created_at", "queue", "agent", "status", "sla_due", "first_response_at"}
)


def save_item_count(conn: sqlite3.Connection, opportunity_id: int, sign: int) -> None:
    """Add (sign 1) or take out (sign -1) one stored item's contribution to the counts."""
    sign = 1 if sign > 0 else -1
    conn.execute(
        f"{_COLUMNS}SELECT {_KEY}, {sign}, {sign} * {_RESOLVED}, {sign} * {_LATE}, "  # noqa: S608 - constants only
        f"{sign} * {_IS_OPEN}, {sign} * {_IN_POOL} FROM opportunities WHERE id = ?{_UPSERT}",
        (opportunity_id,),
    )


def save_item_counts(conn: sqlite3.Connection, opportunity_ids: list[int], sign: int) -> None:
    """save_item_count for many stored items: one upsert of their sums per 500 items."""
    sign = 1 if sign > 0 else -1
    for start in range(0, len(opportunity_ids), 500):
        part = opportunity_ids[start : start + 500]
        conn.execute(
            f"{_COLUMNS}SELECT {_KEY}, {sign} * count(*), {sign} * sum({_RESOLVED}), "  # noqa: S608 - constants only
            f"{sign} * sum({_LATE}), {sign} * sum({_IS_OPEN}), {sign} * sum({_IN_POOL}) "
            f"FROM opportunities WHERE id IN ({', '.join('?' for _ in part)}) "
            f"GROUP BY {_KEY}{_UPSERT}",
            part,
        )
