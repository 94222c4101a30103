"""`earmark db copy` moves a store between SQLite and PostgreSQL (and back) with every row
compared, safe to re-run; `earmark db check` tells the engine, schema, counts and locks."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from earmark.cli import cli
from earmark.store import Store
from earmark.store.tables import DATA_TABLES, table


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    """The demo's store: posts, labels, opportunities, events, agents, cursors."""
    path = str(tmp_path_factory.mktemp("demo") / "demo.db")
    result = CliRunner().invoke(cli, ["demo", "--db", path])
    assert result.exit_code == 0, result.stderr
    return path


def sqlite_rows(path: str) -> dict[str, list[tuple]]:
    """Every row of every table, read by sqlite3 itself, in key order (posts with rowid)."""
    conn = sqlite3.connect(path)
    try:
        out = {}
        for name in DATA_TABLES:
            extra = ", rowid" if name == "posts" else ""
            key = ", ".join(table(name).primary_key)
            out[name] = [
                tuple(r) for r in conn.execute(f"SELECT *{extra} FROM {name} ORDER BY {key}")
            ]
        return out
    finally:
        conn.close()


def copy(src: str, dest: str, env: dict | None = None):
    return CliRunner().invoke(cli, ["db", "copy", src, dest], env=env or {})


def test_a_store_goes_to_postgresql_and_back_unchanged(demo_db, pg_url, tmp_path):
    to_pg = copy(demo_db, pg_url)
    assert to_pg.exit_code == 0, to_pg.stderr
    counts = dict(line.split("\t") for line in to_pg.stdout.splitlines())
    original = sqlite_rows(demo_db)
    assert {k: int(v) for k, v in counts.items()} == {k: len(v) for k, v in original.items()}
    rows = sum(map(len, original.values()))
    assert to_pg.stderr.startswith(f"db copy: {rows} rows in {len(DATA_TABLES)} ")
    back = str(tmp_path / "back.db")
    assert copy(pg_url, back).exit_code == 0
    assert sqlite_rows(back) == original  # every row of every table, as sqlite3 reads them
    # Search works on each: PostgreSQL's text search, and FTS5 rebuilt by the triggers.
    for where in (pg_url, back):
        found = CliRunner().invoke(
            cli, ["--db", where, "posts", "--match", "router", "-f", "jsonl"]
        )
        assert found.exit_code == 0, found.stderr
        assert len(found.stdout.splitlines()) > 0
    # New rows on PostgreSQL number after the copied ones.
    with Store(pg_url) as store:
        newest = max(row[0] for row in original["events"])
        assert store.events.add_event(None, "note", "test", "2026-11-20T12:00:00Z") > newest


def test_the_copy_leaves_postgresql_with_planner_statistics_of_every_table(demo_db, pg_url):
    # Without them the first commands on a freshly copied store are planned blind, until
    # autovacuum gets round to analyzing the tables.
    assert copy(demo_db, pg_url).exit_code == 0
    with Store(pg_url) as store:
        analyzed = dict(
            store.conn.execute(
                "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables"
            ).fetchall()
        )
        posts_rows = store.conn.execute(
            "SELECT reltuples FROM pg_class WHERE relname = 'posts'"
        ).fetchone()[0]
    assert {name: analyzed.get(name) for name in DATA_TABLES} == dict.fromkeys(DATA_TABLES, True)
    assert posts_rows == len(sqlite_rows(demo_db)["posts"])


def test_copying_again_updates_and_never_duplicates(demo_db, pg_url, tmp_path):
    source = str(tmp_path / "s.db")
    assert copy(demo_db, source).exit_code == 0  # SQLite to SQLite works too
    assert copy(source, pg_url).exit_code == 0
    with Store(source) as store:
        store.posts.set_cursor("file", "*", "moved on")
        store.events.add_event(None, "note", "test", "2026-11-20T12:00:00Z")
    again = copy(source, pg_url)
    assert again.exit_code == 0, again.stderr
    with Store(pg_url) as store:
        assert store.posts.get_cursor("file", "*") == "moved on"
        assert store.posts.count_posts() == len(sqlite_rows(source)["posts"])


def test_a_destination_with_other_rows_is_reported_not_hidden(demo_db, pg_url):
    with Store(pg_url) as store:
        store.events.add_event(None, "note", "someone else", "2026-11-20T12:00:00Z")
    result = copy(demo_db, pg_url)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {pg_url}: the destination holds data of its own (event 1 is not the "
        "source's); copy into an empty database (or into an earlier copy of the same source)\n"
    )
    with Store(pg_url) as store:  # nothing was copied over it
        assert store.conn.execute("SELECT actor FROM events").fetchall() == [("someone else",)]
        assert store.posts.count_posts() == 0


def test_a_password_in_src_or_dest_is_refused_and_the_environment_supplies_it(demo_db, pg_url):
    secret = "pa55-in-the-env-0123"
    refused = copy(demo_db, pg_url.replace("earmark@", f"earmark:{secret}@"))
    assert refused.exit_code == 1 and secret not in refused.stderr
    assert "DEST: a password in the database URL is refused" in refused.stderr
    env = {"EARMARK_DATABASE_URL": pg_url.replace("earmark@", f"earmark:{secret}@")}
    done = copy(demo_db, pg_url, env)
    assert done.exit_code == 0, done.stderr
    assert secret not in done.output


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_check_tells_engine_schema_counts_and_locks(engine, demo_db, request, tmp_path):
    from earmark.lock import run_lock
    from earmark.store.schema import SCHEMA_VERSION

    where = demo_db if engine == "sqlite" else request.getfixturevalue("pg_url")
    if engine == "postgres":
        assert copy(demo_db, where).exit_code == 0
    result = CliRunner().invoke(cli, ["--db", where, "db", "check", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["engine"] == {"sqlite": "sqlite", "postgres": "postgresql"}[engine]
    assert report["schema_version"] == report["schema_version_supported"] == SCHEMA_VERSION
    assert report["rows"] == {k: len(v) for k, v in sqlite_rows(demo_db).items()}
    assert (report["write_lock"], report["run_lock"], report["delivery_lock"]) == (
        "ok",
        "free",
        "free",
    )
    with run_lock(where):
        held = CliRunner().invoke(cli, ["--db", where, "db", "check"])
    assert held.exit_code == 0
    assert "run_lock: held (another earmark run (" in held.stdout


def test_check_of_a_missing_sqlite_file_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "db", "check"])
    assert result.exit_code == 1
    assert "no such database" in result.stderr
