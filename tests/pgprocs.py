"""Looking into a PostgreSQL store from the process tests, as killhelpers does into SQLite."""

from __future__ import annotations

from contextlib import contextmanager
from unittest import mock

import killhelpers


def pg_count(url: str, sql: str, params=()) -> int:
    """Return the first column of one row (0 when the tables do not exist yet)."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(sql, params).fetchone()  # type: ignore[arg-type]
    except psycopg.errors.UndefinedTable:
        return 0
    return row[0] if row and row[0] is not None else 0


def pg_rows(url: str, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return [tuple(row) for row in conn.execute(sql)]  # type: ignore[arg-type]


def pg_snapshot(url: str) -> dict:
    """killhelpers.snapshot of a PostgreSQL store: the same queries, so the same shape (a
    psycopg connection reads rows as sqlite3's does)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:

        @contextmanager
        def connected(*args, **kwargs):
            yield conn

        with mock.patch.object(killhelpers, "db_connect", connected):
            return killhelpers.snapshot(url)
