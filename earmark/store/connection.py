"""The open database the store's parts share, its transactions, and the base of every part."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import sqlite_utils

from earmark.store.faults import explain_fault, fault_kind
from earmark.store.pgsql import PostgresDialect, SQLiteDialect


def inserted_id(cursor: Any) -> int:
    """Return the rowid of the row the INSERT just run on cursor created."""
    if cursor.lastrowid is None:  # only before any INSERT: a bug, not a database fault
        raise RuntimeError("no row was inserted")
    return cursor.lastrowid


class Connection:
    """One open SQLite database: its path, its sqlite-utils handle and its transactions."""

    def __init__(self, path: str, db: sqlite_utils.Database) -> None:
        self.path = path
        self.db = db
        self.conn: sqlite3.Connection = db.conn
        self.dialect: SQLiteDialect | PostgresDialect = SQLiteDialect()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run a block in one IMMEDIATE transaction; nested calls join the outer one.

        A database fault (locked, disk full, I/O error, corruption) in the block or at COMMIT
        rolls the whole block back and is raised as a one-line StoreError.
        """
        if self.conn.in_transaction:
            yield
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise explain_fault(self.path, error) from error
        try:
            yield
            self.conn.execute("COMMIT")
        except BaseException as error:
            self._rollback()
            if fault_kind(error) is not None:
                raise explain_fault(self.path, error) from error
            raise

    def _rollback(self) -> None:
        # After SQLITE_FULL or an I/O error SQLite may already have rolled back by itself: a
        # second ROLLBACK would fail and hide the error that matters.
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")


class Part:
    """A part of the store (posts, queues, ...): the only code that reads and writes its tables.

    Every part of one Store shares one Connection, so a transaction opened by one part (or by
    the Store) is joined by the others.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.db = connection.db
        self.conn = connection.conn
        self.dialect = connection.dialect

    def transaction(self) -> AbstractContextManager[None]:
        """Run a block in one IMMEDIATE transaction (see Connection.transaction)."""
        return self.connection.transaction()
