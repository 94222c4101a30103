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
from earmark.store import pgbatch
from earmark.store.opportunity_counts import COUNTED_FIELDS, save_item_counts
from earmark.store.route_pending import save_routed_many
from earmark.store.urgent import sla_span

_OPEN_MARKS = ",".join("?" for _ in OPEN_STATUSES)
# Rows per multi-row statement: 500 opportunities of 17 values stay far below SQLite's limit of
# 32,766 bound values and PostgreSQL's 65,535.
ROWS_PER_STATEMENT = 500


def arrays_of(conn: Any) -> bool:
    """Whether conn is PostgreSQL's (the array forms of pgbatch.py) rather than SQLite's."""
    return not isinstance(conn, sqlite3.Connection)


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
        if arrays_of(db.conn):
            rows: Any = pgbatch.open_for_threads(db.conn, part, OPEN_STATUSES)
        else:
            marks = ",".join("?" for _ in part)
            rows = db.query(
                f"SELECT * FROM opportunities WHERE thread_key IN ({marks}) "  # noqa: S608 - only placeholders are interpolated
                f"AND status IN ({_OPEN_MARKS}) ORDER BY id",
                [*part, *OPEN_STATUSES],
            )
        for row in rows:
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
    values = [
        [
            *(row[c] for c in cols),
            *([row["assigned_at"]] if first_assigned else []),
            sla_span(row.get("sla_due"), row.get("created_at")),
        ]
        for row in rows
    ]
    if arrays_of(conn):
        new = pgbatch.insert_opportunities(conn, names, values)
    else:
        new = _insert_values(conn, names, values)
    ids = [new[post_id] for post_id in post_ids]
    save_item_counts(conn, ids, 1)
    add_links(conn, list(zip(post_ids, ids, strict=True)))
    return ids


def _insert_values(conn: sqlite3.Connection, names: list[str], values: list[list]) -> dict:
    """INSERT opportunities as VALUES lists (platform and posted_at from the post); return
    {post_id: its new id}."""
    marks = ["?" for _ in names]
    marks += ["(SELECT platform FROM posts WHERE id = ?)"]
    marks += ["(SELECT created_at FROM posts WHERE id = ?)"]
    where = names.index("post_id")
    values = [[*row, row[where], row[where]] for row in values]
    names = [*names, "platform", "posted_at"]
    before = conn.execute("SELECT coalesce(max(id), 0) FROM opportunities").fetchone()[0]
    insert_rows(conn, f"INSERT INTO opportunities ({', '.join(names)})", ", ".join(marks), values)
    return {
        post_id: ident
        for ident, post_id in conn.execute(
            "SELECT id, post_id FROM opportunities WHERE id > ? ORDER BY id", (before,)
        ).fetchall()
    }


def add_links(conn: sqlite3.Connection, links: Sequence[tuple[str, int]]) -> None:
    """Attach posts to opportunities ((post_id, opportunity_id) pairs); none is pending now."""
    if arrays_of(conn):
        pgbatch.insert_rows(
            conn, "opportunity_posts", ("post_id", "opportunity_id"), links, ignore=True
        )
        pgbatch.delete_keys(conn, "route_pending", "post_id", [post_id for post_id, _ in links])
        return
    insert_rows(
        conn, "INSERT OR IGNORE INTO opportunity_posts (post_id, opportunity_id)", "?, ?", links
    )
    save_routed_many(conn, [post_id for post_id, _ in links])


# Columns update_many may set: those that need nothing else kept with them (update_opportunity
# also keeps sla_span, posted_at and first_assigned_at for the others).
SIMPLE_FIELDS = frozenset({"status", "priority", "base_priority", "updated_at"})


def update_many(conn: sqlite3.Connection, updates: Sequence[tuple[int, dict]]) -> None:
    """Set columns of many stored opportunities ((id, {column: value}) in order, an id given
    again keeps its last values), with their counts, as update_opportunity would one by one."""
    merged: dict[int, dict] = {}
    for ident, fields in updates:
        unknown = set(fields) - SIMPLE_FIELDS
        if unknown:
            raise ValueError(f"not updated in batches: {sorted(unknown)}")
        merged[ident] = {**merged.get(ident, {}), **fields}
    counted = [i for i, fields in merged.items() if not COUNTED_FIELDS.isdisjoint(fields)]
    save_item_counts(conn, counted, -1)
    groups: dict[tuple[str, ...], list[list]] = {}
    for ident, fields in merged.items():
        groups.setdefault(tuple(sorted(fields)), []).append(
            [ident, *(fields[c] for c in sorted(fields))]
        )
    for columns, rows in groups.items():
        if arrays_of(conn):
            pgbatch.update_by_id(conn, "opportunities", columns, rows)
        else:
            conn.executemany(
                f"UPDATE opportunities SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",  # noqa: S608 - checked column names
                [[*row[1:], row[0]] for row in rows],
            )
    save_item_counts(conn, counted, 1)
