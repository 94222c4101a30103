"""Real database faults reach the user as one line with the right exit code, never a traceback.

Every fault here is SQLite's own: pages of a real database overwritten on disk (corruption),
a file that is not a database, a disk that fills up (SQLite's `max_page_count` limit makes
SQLite return SQLITE_FULL exactly as a full disk does, on a real connection), and the daily
`PRAGMA quick_check` seen through SQLite's own statement trace. The lock held by another
process is in test_faults.py; an injected fault at every statement is in
test_fault_injection.py.
"""

from __future__ import annotations

import functools
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from dbconn import db_connect
from faultyconn import dump
from killhelpers import NOW, write_config, write_posts

from earmark.cli import cli
from earmark.store import Store, StoreCorruptError, StoreError, StoreLockedError
from earmark.store.faults import explain_fault, fault_kind

RECOVER = (
    "restore it from a backup or recover it with `sqlite3 {db} .recover | sqlite3 recovered.db`"
)


def invoke(config: Path, db: Path, *args: str):
    return CliRunner().invoke(
        cli, ["-c", str(config), "--db", str(db), *args], env={"EARMARK_NOW": NOW}
    )


@pytest.fixture
def done_run(tmp_path) -> tuple[Path, Path]:
    """A config and a database after one healthy run over 40 posts (WAL folded back in)."""
    write_posts(tmp_path / "posts.jsonl", 40)
    config = write_config(tmp_path, "  file: {path: posts.jsonl}\n")
    db = tmp_path / "x.db"
    result = invoke(config, db, "run")
    assert result.exit_code == 0, result.stderr
    with db_connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return config, db


def overwrite_pages(db: Path, table: str) -> list[int]:
    """Write garbage over the leaf pages of a table (as a failing disk or a stray write would)."""
    with db_connect(db) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = [
            row[0]
            for row in conn.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf'", (table,)
            )
        ]
    assert pages
    with open(db, "r+b") as raw:
        for page in pages:
            raw.seek((page - 1) * size + 8)
            raw.write(b"\xde\xad\xbe\xef" * ((size - 8) // 4))
    return pages


def set_checked_day(db: Path, day: int) -> None:
    with db_connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {day}")


def sqlite_quick_check(db: Path) -> str:
    """SQLite's own first complaint about the file, as the message quotes it."""
    with db_connect(f"file:{db}?mode=ro", uri=True) as conn:
        first = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
    return " ".join(first.replace("*** in database main ***", "").split())


# -- corruption ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["run"], ["queue"], ["export", "-f", "csv"], ["stats"]])
def test_a_corrupt_database_is_found_at_the_daily_check_by_every_command(done_run, command):
    config, db = done_run
    overwrite_pages(db, "posts")
    set_checked_day(db, date.today().toordinal() - 1)  # last checked yesterday
    problem = sqlite_quick_check(db)
    assert problem != "ok"

    result = invoke(config, db, *command)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: {db}: the database is corrupt (quick_check: {problem}); "
        + RECOVER.format(db=db)
        + "\n"
    )


@pytest.mark.parametrize("command", [["run"], ["queue"], ["export", "-f", "csv"]])
def test_corruption_after_todays_check_is_one_line_when_a_command_reads_it(done_run, command):
    config, db = done_run
    write_posts(db.parent / "posts.jsonl", 5, start=40, append=True)  # so run reads posts
    overwrite_pages(db, "posts")
    set_checked_day(db, date.today().toordinal())  # checked today, before the damage

    result = invoke(config, db, *command)
    assert (result.exit_code, result.stdout) == (1, "")
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    message = f"{db}: the database is corrupt (database disk image is malformed); "
    message += RECOVER.format(db=db)
    assert lines[-1] in (f"Error: {message}", f"classify: error: {message}")
    assert all(str(db) not in line for line in lines[:-1])  # said once


def test_a_file_that_is_not_a_database_is_one_line(tmp_path):
    config = write_config(tmp_path, "  file: {path: posts.jsonl}\n")
    write_posts(tmp_path / "posts.jsonl", 5)
    db = tmp_path / "x.db"
    db.write_bytes(b"SQLite format 2, honestly\n" * 200)
    for command in (["run"], ["queue"], ["export", "-f", "jsonl"]):
        result = invoke(config, db, *command)
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == (
            f"Error: {db}: not an SQLite database (file is not a database)\n"
        ), command


# -- a full disk ---------------------------------------------------------------------------------


def capped_connect(max_pages: int):
    """sqlite3.connect, with the database capped at max_pages pages (SQLITE_FULL beyond)."""

    def connect(path: str, **kwargs) -> sqlite3.Connection:
        conn = sqlite3.connect(path, **kwargs)
        conn.execute(f"PRAGMA max_page_count = {max_pages}")
        return conn

    return connect


def test_a_full_disk_is_one_line_exit_1_and_the_next_run_completes_the_work(tmp_path, monkeypatch):
    write_posts(tmp_path / "posts.jsonl", 3000)
    config = write_config(tmp_path, "  file: {path: posts.jsonl}\n")
    reference = tmp_path / "reference.db"
    assert invoke(config, reference, "run").exit_code == 0

    db = tmp_path / "x.db"
    monkeypatch.setitem(Store.__init__.__kwdefaults__, "connect", capped_connect(250))
    full = invoke(config, db, "run")
    assert (full.exit_code, full.stdout) == (1, "")
    assert "Traceback" not in full.stderr
    message = f"{db}: the disk is full; the failed step was rolled back: free space on that disk "
    message += "and run again"
    about_db = [line for line in full.stderr.splitlines() if str(db) in line]
    assert about_db in ([f"Error: {message}"], [f"classify: error: {message}"])
    with db_connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    # Full in the middle of the import, which keeps whole batches only (800 of 1000 lines match).
    assert 0 < stored < 2400 and stored % 800 == 0

    monkeypatch.setitem(Store.__init__.__kwdefaults__, "connect", sqlite3.connect)  # space freed
    again = invoke(config, db, "run")
    assert again.exit_code == 0, again.stderr
    assert dump(db) == dump(reference)


# -- the daily integrity check -------------------------------------------------------------------


def traced_connect(statements: list[str]):
    """sqlite3.connect, recording every statement SQLite runs (its own trace callback)."""

    def connect(path: str, **kwargs) -> sqlite3.Connection:
        conn = sqlite3.connect(path, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    return connect


def test_quick_check_runs_at_most_once_a_day(tmp_path):
    db = tmp_path / "x.db"
    statements: list[str] = []
    connect = traced_connect(statements)
    Store(db, connect=connect).close()
    assert statements.count("PRAGMA quick_check(1)") == 1
    with db_connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == date.today().toordinal()

    Store(db, connect=connect).close()
    assert statements.count("PRAGMA quick_check(1)") == 1  # checked today already

    set_checked_day(db, date.today().toordinal() - 1)
    Store(db, connect=connect).close()
    assert statements.count("PRAGMA quick_check(1)") == 2

    Store(db, connect=connect, check_integrity=False).close()
    set_checked_day(db, 0)
    Store(db, connect=connect, check_integrity=False).close()
    assert statements.count("PRAGMA quick_check(1)") == 2


def test_the_check_is_skipped_not_waited_for_while_another_process_writes(tmp_path):
    db = tmp_path / "x.db"
    Store(db).close()
    set_checked_day(db, 1)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # holds the write lock (WAL: readers go on)
    try:
        statements: list[str] = []
        with Store(db, connect=traced_connect(statements), migrate=False) as store:
            assert store.conn.execute("SELECT count(*) FROM posts").fetchone() == (0,)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert "PRAGMA quick_check(1)" in statements
    with db_connect(db) as conn:  # not recorded: the next open checks again
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1


# -- the words -----------------------------------------------------------------------------------


def real_error(sql: str, db: Path, **kwargs) -> sqlite3.Error:
    conn = sqlite3.connect(db, **kwargs)
    try:
        conn.execute(sql)
    except sqlite3.Error as error:
        return error
    finally:
        conn.close()
    raise AssertionError(f"{sql} did not fail")


def test_sqlite_errors_map_to_kinds_by_their_result_code(tmp_path):
    db = tmp_path / "x.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        locked = real_error("INSERT INTO t VALUES (1)", db, timeout=0)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # Python 3.11+ names the result code; on 3.10 the kind comes from SQLite's words alone.
    assert getattr(locked, "sqlite_errorname", "SQLITE_BUSY") == "SQLITE_BUSY"
    assert fault_kind(locked) == "locked"
    assert isinstance(explain_fault(str(db), locked), StoreLockedError)
    assert explain_fault(str(db), locked).exit_code == 75

    other = real_error("SELECT * FROM missing", db)
    assert fault_kind(other) is None
    error = explain_fault(str(db), other)
    assert (type(error), str(error)) == (
        StoreError,
        f"{db}: database error (no such table: missing)",
    )

    notadb = tmp_path / "text.db"
    notadb.write_text("hello " * 1000)
    broken = real_error("SELECT * FROM sqlite_master", notadb)
    assert fault_kind(broken) == "notadb"
    assert isinstance(explain_fault(str(notadb), broken), StoreCorruptError)


def test_partial_connect_with_a_factory_is_a_connect(tmp_path):
    """The harness's way in: sqlite3.connect(factory=...) fits Store's connect argument."""

    class Counting(sqlite3.Connection):
        calls = 0

        def execute(self, sql, *args):
            Counting.calls += 1
            return super().execute(sql, *args)

    with Store(tmp_path / "x.db", connect=functools.partial(sqlite3.connect, factory=Counting)):
        pass
    assert Counting.calls > 10  # the pragmas, the check and the migrations all went through it
