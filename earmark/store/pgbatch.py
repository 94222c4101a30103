"""Routing's batched writes in PostgreSQL's own form: one short statement per batch, each
column's values passed as one array (in binary) and read back as rows with `unnest`.

The portable form (opportunity_batch.py) sends a VALUES list of thousands of placeholders,
which psycopg parses on the client for every batch (its cache keeps only short statements)
and the server plans anew; an UPDATE per row is a statement each. Here a batch of any size is
one statement of a dozen parameters (prepared once by psycopg, then reused), inserting or
updating the same rows in the same order: INSERTs read the arrays `WITH ORDINALITY` and sort on
it, so numbered ids come out in the order of the rows, as from the VALUES list. Measured on
8,000 new opportunities: a third of the VALUES lists' time, less than an executemany (which
psycopg pipelines) and about COPY into a temporary table (which needs two statements). The
arrays go in PostgreSQL's binary format (`%b`): psycopg writes text arrays in the text format
with a regular expression per element, ten times slower for a batch of 500 rows.

Column types come from the declared schema (tables.py); values are converted to them first
(an array holds one type), as SQLite's column affinity would store them. Statements are written
for PostgreSQL and run as written (PgConn.execute_native), not translated.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from earmark.store.faults import StoreError
from earmark.store.tables import INTEGER, REAL, table

_ARRAY_TYPES = {"text": "text", "integer": "int8", "real": "float8"}


def _convert(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == INTEGER:
        return int(value)
    if kind == REAL:
        return float(value)
    return value if isinstance(value, str) else str(value)


def arrays(table_name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[list]:
    """Return one list per column of rows, converted to the column's declared type."""
    declared = table(table_name)
    kinds = [declared.column(name).type for name in columns]
    if any(len(row) != len(kinds) for row in rows):
        raise ValueError(f"every row of {table_name} needs {len(kinds)} values")
    return [[_convert(kind, row[i]) for row in rows] for i, kind in enumerate(kinds)]


def unnest(table_name: str, columns: Sequence[str], alias: str = "v") -> str:
    """Return `unnest(%b::type[], ...) WITH ORDINALITY AS alias(columns..., _n)`."""
    declared = table(table_name)
    params = ", ".join(f"%b::{_ARRAY_TYPES[declared.column(c).type]}[]" for c in columns)
    return f"unnest({params}) WITH ORDINALITY AS {alias}({', '.join(columns)}, _n)"


def insert_rows(
    conn: Any,
    table_name: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    ignore: bool = False,
) -> None:
    """INSERT rows (one value per column each) in order, in one statement; with ignore, rows
    whose key is taken are skipped (INSERT OR IGNORE)."""
    if not rows:
        return
    names = ", ".join(columns)
    conflict = " ON CONFLICT DO NOTHING" if ignore else ""
    conn.execute_native(
        f"INSERT INTO {table_name} ({names}) SELECT {names} "  # noqa: S608 - declared names only
        f"FROM {unnest(table_name, columns)} ORDER BY _n{conflict}",
        arrays(table_name, columns, rows),
    )


def insert_opportunities(
    conn: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> dict[str, int]:
    """INSERT opportunities in order (columns include post_id; platform and posted_at are
    copied from the post, as insert_opportunity does); return {post_id: its new id}."""
    if not rows:
        return {}
    names = ", ".join(columns)
    picked = ", ".join(f"v.{name}" for name in columns)
    result = conn.execute_native(
        f"INSERT INTO opportunities ({names}, platform, posted_at) "  # noqa: S608 - declared names only
        f"SELECT {picked}, p.platform, p.created_at FROM {unnest('opportunities', columns)} "
        "LEFT JOIN posts p ON p.id = v.post_id ORDER BY v._n RETURNING id, post_id",
        arrays("opportunities", columns, rows),
    )
    keep_statistics(conn, "opportunities", len(rows))
    return {post_id: ident for ident, post_id in result.fetchall()}


def update_by_id(
    conn: Any, table_name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Set columns of many rows by id in one statement: rows are (id, value per column). An id
    given twice keeps its last values (as one UPDATE per row, in order, would leave it)."""
    last = {row[0]: row for row in rows}
    if not last:
        return
    sets = ", ".join(f"{name} = v.{name}" for name in columns)
    conn.execute_native(
        f"UPDATE {table_name} AS t SET {sets} "  # noqa: S608 - declared names only
        f"FROM {unnest(table_name, ['id', *columns])} WHERE t.id = v.id",
        arrays(table_name, ["id", *columns], list(last.values())),
    )


def delete_keys(conn: Any, table_name: str, column: str, keys: Sequence[Any]) -> None:
    """DELETE the rows whose column is one of keys, in one statement."""
    if not keys:
        return
    kind = _ARRAY_TYPES[table(table_name).column(column).type]
    conn.execute_native(
        f"DELETE FROM {table_name} WHERE {column} = ANY(%b::{kind}[])",  # noqa: S608 - declared names only
        arrays(table_name, [column], [(key,) for key in keys]),
    )


def open_for_threads(conn: Any, keys: Sequence[str], statuses: Sequence[str]) -> list[dict]:
    """Return the opportunities of these thread keys in these statuses (whole rows), by id.

    A join with the keys, not `thread_key IN (...)`: the items created earlier in the same
    transaction have no statistics yet, and on a list the planner then prefers the status
    index, reading every open item per page; per key it finds each thread by its index.
    """
    result = conn.execute_native(
        "SELECT o.* FROM unnest(%b::text[]) AS k(thread_key) JOIN opportunities o "
        "ON o.thread_key = k.thread_key AND o.status = ANY(%b::text[]) ORDER BY o.id",
        [list(keys), list(statuses)],
    )
    names = [column.name for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


# A table a transaction grows is analyzed again once it has added at least this many rows, and
# at least as many as the table held at its previous ANALYZE: log2(n) times over n new rows.
ANALYZE_AFTER = 5_000
_grown: weakref.WeakKeyDictionary[Any, dict[str, list[int]]] = weakref.WeakKeyDictionary()


def keep_statistics(conn: Any, table_name: str, added: int) -> None:
    """Count rows added to a table; ANALYZE it (inside the transaction) when they outgrow what
    the planner knows of it.

    Rows a transaction inserts are invisible to autovacuum until it commits, so routing a
    backlog of 80,000 posts in one transaction would plan every read of `opportunities` for the
    empty table it was: the open items of a page's threads were found by reading every open
    item (the status index), 40 ms a page at 100k posts instead of 2. ANALYZE in the
    transaction counts its own new rows. It runs only if the table's lock is free at once (a
    VACUUM by hand holds it): it never makes routing wait.
    """
    counts = _grown.setdefault(conn, {}).get(table_name)
    if counts is None:
        known = conn.execute_native(
            "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [table_name],
        ).fetchone()
        counts = _grown[conn][table_name] = [0, int(known[0]) if known else 0]
    counts[0] += added  # [rows added since the last ANALYZE, rows the table had then]
    if counts[0] < max(ANALYZE_AFTER, counts[1]):
        return
    counts[1] += counts[0]
    counts[0] = 0
    conn.execute_native("SAVEPOINT earmark_analyze", [])
    try:
        conn.execute_native(f"LOCK TABLE {table_name} IN SHARE UPDATE EXCLUSIVE MODE NOWAIT", [])
    except StoreError:
        conn.execute_native("ROLLBACK TO SAVEPOINT earmark_analyze", [])
        return
    finally:
        conn.execute_native("RELEASE SAVEPOINT earmark_analyze", [])
    conn.execute_native(f"ANALYZE {table_name}", [])
