"""Routing's writes in batches: many new opportunities, their posts, counts and pending marks
in a few statements (executemany), and the open items of many threads in one query.

On PostgreSQL every statement is a round trip to the server; creating opportunities one at a
time costs about six of them each. Here a batch of any size costs a handful (psycopg runs an
executemany in one pipeline). The rows written are those insert_opportunity would write, in
the same order, so ids come out the same. Each write is one multi-row statement per
ROWS_PER_STATEMENT rows (VALUES lists, IN lists): one round trip and one statement for the
server to run, not one per row. Portable SQL (SQLite and PostgreSQL).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from earmark.models import OPEN_STATUSES
from earmark.store.opportunity_counts import save_item_counts
from earmark.store.route_pending import save_routed_many
from earmark.store.urgent import sla_span

_OPEN_MARKS = ",".join("?" for _ in OPEN_STATUSES)
# Rows per multi-row statement: 500 opportunities of 17 values stay far below SQLite's limit of
# 32,766 bound values and PostgreSQL's 65,535.
ROWS_PER_STATEMENT = 500


def insert_rows(conn: sqlite3.Connection, head: str, marks: str, rows: Sequence[Sequence]) -> None:
    """Run `head VALUES (marks), (marks), ...` over rows, ROWS_PER_STATEMENT at a time, in order."""
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        part = rows[start : start + ROWS_PER_STATEMENT]
        conn.execute(
            f"{head} VALUES {', '.join(f'({marks})' for _ in part)}",
            [value for row in part for value in row],
        )


def open_for_threads(db: Any, keys: Sequence[str], chunk: int = 500) -> dict[str, dict]:
    """Return {thread_key: its open opportunity (the lowest id)} for the keys that have one."""
    found: dict[str, dict] = {}
    distinct = list(dict.fromkeys(keys))
    for start in range(0, len(distinct), chunk):
        part = distinct[start : start + chunk]
        marks = ",".join("?" for _ in part)
        for row in db.query(
            f"SELECT * FROM opportunities WHERE thread_key IN ({marks}) "  # noqa: S608 - only placeholders are interpolated
            f"AND status IN ({_OPEN_MARKS}) ORDER BY id",
            [*part, *OPEN_STATUSES],
        ):
            found.setdefault(row["thread_key"], dict(row))
    return found


def insert_many(conn: sqlite3.Connection, fields: Sequence[str], rows: Sequence[dict]) -> list[int]:
    """Insert opportunities (each with its first post) as insert_opportunity would, in order;
    return their ids in the order of rows. Every row has the same keys and its own post_id."""
    if not rows:
        return []
    keys = set(rows[0])
    if any(set(row) != keys for row in rows):
        raise ValueError("every opportunity of a batch needs the same columns")
    post_ids = [row["post_id"] for row in rows]
    if len(set(post_ids)) != len(post_ids):
        raise ValueError("two new opportunities of one batch share a post")
    cols = [c for c in fields if c in keys]
    first_assigned = bool(rows[0].get("assigned_at"))
    if any(bool(row.get("assigned_at")) != first_assigned for row in rows):
        raise ValueError("every opportunity of a batch is assigned, or none is")
    names = [*cols, *(["first_assigned_at"] if first_assigned else []), "sla_span"]
    marks = ["?" for _ in names]
    names += ["platform", "posted_at"]
    marks += ["(SELECT platform FROM posts WHERE id = ?)"]
    marks += ["(SELECT created_at FROM posts WHERE id = ?)"]
    values = [
        [
            *(row[c] for c in cols),
            *([row["assigned_at"]] if first_assigned else []),
            sla_span(row.get("sla_due"), row.get("created_at")),
            row["post_id"],
            row["post_id"],
        ]
        for row in rows
    ]
    before = conn.execute("SELECT coalesce(max(id), 0) FROM opportunities").fetchone()[0]
    insert_rows(conn, f"INSERT INTO opportunities ({', '.join(names)})", ", ".join(marks), values)
    new = {
        post_id: ident
        for ident, post_id in conn.execute(
            "SELECT id, post_id FROM opportunities WHERE id > ? ORDER BY id", (before,)
        ).fetchall()
    }
    ids = [new[post_id] for post_id in post_ids]
    save_item_counts(conn, ids, 1)
    add_links(conn, list(zip(post_ids, ids, strict=True)))
    return ids


def add_links(conn: sqlite3.Connection, links: Sequence[tuple[str, int]]) -> None:
    """Attach posts to opportunities ((post_id, opportunity_id) pairs); none is pending now."""
    insert_rows(
        conn, "INSERT OR IGNORE INTO opportunity_posts (post_id, opportunity_id)", "?, ?", links
    )
    save_routed_many(conn, [post_id for post_id, _ in links])
