"""Routing's batched writes in PostgreSQL's own form: one short statement per batch, each
column's values passed as one array and read back as rows with `unnest`.

The portable form (opportunity_batch.py) sends a VALUES list of thousands of placeholders,
which psycopg parses on the client for every batch (its cache keeps only short statements)
and the server plans anew; an UPDATE per row is a statement each. Here a batch of any size is
one statement of a dozen parameters (prepared once by psycopg, then reused), inserting or
updating the same rows in the same order: INSERTs read the arrays `WITH ORDINALITY` and sort on
it, so numbered ids come out in the order of the rows, as from the VALUES list. Measured on
8,000 new opportunities: a third of the VALUES lists' time, less than an executemany (which
psycopg pipelines) and about COPY into a temporary table (which needs two statements).

Column types come from the declared schema (tables.py); values are converted to them first
(an array holds one type), as SQLite's column affinity would store them. Statements are written
for PostgreSQL and run as written (PgConn.execute_native), not translated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
    """Return `unnest(%s::type[], ...) WITH ORDINALITY AS alias(columns..., _n)`."""
    declared = table(table_name)
    params = ", ".join(f"%s::{_ARRAY_TYPES[declared.column(c).type]}[]" for c in columns)
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
        f"DELETE FROM {table_name} WHERE {column} = ANY(%s::{kind}[])",  # noqa: S608 - declared names only
        arrays(table_name, [column], [(key,) for key in keys]),
    )
