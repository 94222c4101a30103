"""Copying a whole store between engines (`earmark db copy`) and looking it over (`db check`).

The copy reads each table of the declared schema (tables.py) in key order, a page at a time,
and upserts it into the destination (parents before children), so a second run brings the
destination up to date and never duplicates a row. Posts keep their arrival order (`rowid`,
which classification reads). A PostgreSQL destination's tables are then analyzed, so its
planner has their statistics from the first command on. Then every table is compared row by
row, in key order, on both sides: the copy is reported done only when the counts and every
row agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from earmark.store.faults import StoreError
from earmark.store.tables import DATA_TABLES, IDENTITY_TABLES, table

if TYPE_CHECKING:
    from earmark.store import Store

PAGE = 1000


def copy_columns(name: str) -> list[str]:
    """Return the columns a copy moves: the declared ones (and posts' arrival order)."""
    columns = [c.name for c in table(name).columns]
    return [*columns, "rowid"] if name == "posts" else columns


def _next_page(name: str) -> str:
    columns = copy_columns(name)
    key = table(name).primary_key
    return (
        f"SELECT {', '.join(columns)} FROM {name} "  # noqa: S608 - declared names only
        f"WHERE ({', '.join(key)}) > ({', '.join('?' for _ in key)}) "
        f"ORDER BY {', '.join(key)} LIMIT {PAGE}"
    )


def _first_page(name: str) -> str:
    columns = copy_columns(name)
    key = table(name).primary_key
    return (
        f"SELECT {', '.join(columns)} FROM {name} "  # noqa: S608 - declared names only
        f"ORDER BY {', '.join(key)} LIMIT {PAGE}"
    )


def read_rows(store: Store, name: str) -> Iterator[tuple]:
    """Yield every row of a table in key order (columns of copy_columns), a page at a time."""
    key_at = [copy_columns(name).index(k) for k in table(name).primary_key]
    rows = store.conn.execute(_first_page(name)).fetchall()
    while rows:
        yield from (tuple(row) for row in rows)
        if len(rows) < PAGE:
            return
        last = [rows[-1][i] for i in key_at]
        rows = store.conn.execute(_next_page(name), last).fetchall()


def _upsert(name: str) -> str:
    columns = copy_columns(name)
    key = table(name).primary_key
    updates = [f"{c} = excluded.{c}" for c in columns if c not in key]
    action = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
    return (
        f"INSERT INTO {name} ({', '.join(columns)}) "  # noqa: S608 - declared names only
        f"VALUES ({', '.join('?' for _ in columns)}) "
        f"ON CONFLICT ({', '.join(key)}) {action}"
    )


@dataclass
class CopyReport:
    """Rows per table in the source, and the tables whose rows differ after the copy."""

    counts: dict[str, int] = field(default_factory=dict)
    differences: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.differences


def row_counts(store: Store) -> dict[str, int]:
    """Return how many rows each table of the schema holds."""
    return {
        name: store.conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]  # noqa: S608
        for name in DATA_TABLES
    }


def copy_store(source: Store, dest: Store) -> CopyReport:
    """Copy every table of source into dest (upserting: safe to re-run), then compare them."""
    if source.path == dest.path and source.engine == dest.engine:
        raise StoreError(f"{source.path}: the source and the destination are the same store")
    own = own_data(source, dest)
    if own:
        raise StoreError(
            f"{dest.path}: the destination holds data of its own ({own}); copy into an empty "
            "database (or into an earlier copy of the same source)"
        )
    report = CopyReport()
    with dest.transaction():
        for name in DATA_TABLES:
            insert = _upsert(name)
            batch: list[tuple] = []
            for row in read_rows(source, name):
                batch.append(row)
                if len(batch) == PAGE:
                    dest.conn.executemany(insert, batch)
                    batch = []
            if batch:
                dest.conn.executemany(insert, batch)
        if dest.engine == "postgresql":
            _advance_identities(dest)
    if dest.engine == "postgresql":
        _analyze(dest)
    report.counts = row_counts(source)
    found = row_counts(dest)
    for name in DATA_TABLES:
        if found[name] != report.counts[name]:
            report.differences[name] = (
                f"{report.counts[name]} rows in the source, {found[name]} in the destination"
            )
            continue
        problem = first_difference(source, dest, name)
        if problem:
            report.differences[name] = problem
    return report


def own_data(source: Store, dest: Store) -> str | None:
    """Return why dest is not empty nor an earlier copy of source, or None.

    An earlier copy has no table bigger than the source's, and its event log (append-only)
    is a prefix-by-id of the source's: an event that differs was written to dest itself.
    """
    theirs = row_counts(dest)
    if not any(theirs.values()):
        return None
    ours = row_counts(source)
    bigger = [name for name in DATA_TABLES if theirs[name] > ours[name]]
    if bigger:
        return f"more rows than the source in {', '.join(bigger)}"
    source_events = read_rows(source, "events")
    current = next(source_events, None)
    for row in read_rows(dest, "events"):
        while current is not None and current[0] < row[0]:
            current = next(source_events, None)
        if current != row:
            return f"event {row[0]} is not the source's"
    return None


def first_difference(source: Store, dest: Store, name: str) -> str | None:
    """Return where two stores' copies of a table first differ (in key order), or None."""
    columns = copy_columns(name)
    theirs = read_rows(dest, name)
    for number, row in enumerate(read_rows(source, name), start=1):
        other = next(theirs, None)
        if other is None:
            return f"row {number} of the source is missing from the destination"
        if row != other:
            differing = [c for c, a, b in zip(columns, row, other, strict=True) if a != b]
            return f"row {number} differs in {', '.join(differing)}"
    if next(theirs, None) is not None:
        return "the destination has rows the source lacks"
    return None


def _analyze(dest: Store) -> None:
    """Give PostgreSQL's planner the statistics of every copied table now.

    A bulk load leaves them empty until autovacuum gets round to the tables (a minute or more
    after the commit); until then the first `queue`, `stats` and runs on the new store are
    planned blind. ANALYZE reads a sample of each table: seconds at 1M posts.
    """
    for name in DATA_TABLES:
        dest.conn.execute(f"ANALYZE {name}")


def _advance_identities(dest: Store) -> None:
    """Move PostgreSQL's id sequences past the copied ids (new rows must not collide)."""
    for name, column in [*((t, "id") for t in IDENTITY_TABLES), ("posts", "rowid")]:
        dest.conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{name}', '{column}'), max({column})) "  # noqa: S608
            f"FROM {name} HAVING max({column}) IS NOT NULL"
        )
