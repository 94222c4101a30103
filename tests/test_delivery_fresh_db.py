"""Several earmark commands started at once on a database that does not exist yet.

Real subprocesses: exactly one of them applies the migrations (inside SQLite's write lock);
the others wait for it and find the schema current, so none fails and none prints a traceback.
"""

from __future__ import annotations

import pytest
from dbconn import db_connect
from httpserver import LocalServer
from killhelpers import spawn_earmark, subprocess_env, write_config, write_posts

from earmark.store.schema import MIGRATIONS_TABLE, SCHEMA_VERSION

COMMANDS = (
    ("run",),
    ("run",),  # the run lock: one of the two exits 75
    ("export", "-f", "jsonl"),
    ("export", "--new", "--dest", "pipe", "-f", "jsonl"),
    ("runs", "-f", "jsonl"),
    ("posts", "-f", "jsonl"),
    ("notify", "webhook", "--dry-run"),
    ("queue", "-f", "jsonl"),
)
READ_ONLY = ("runs", "posts", "queue", "export", "notify")


@pytest.mark.slow
def test_commands_started_together_on_a_fresh_database_migrate_it_once(tmp_path):
    write_posts(tmp_path / "posts.jsonl", 20)
    config = write_config(
        tmp_path,
        "  file: {path: posts.jsonl}\n",
        "notify:\n  webhook: {url_env: TEST_HOOK}\n",
    )
    db = tmp_path / "fresh.db"
    with LocalServer() as hook:
        hook.add("/hook", status=204)
        env = subprocess_env(TEST_HOOK=hook.url("/hook"))
        processes = [spawn_earmark(config, db, *args, env=env) for args in COMMANDS]
        results = []
        for args, process in zip(COMMANDS, processes, strict=True):
            out, err = process.communicate(timeout=120)  # reads the pipes: no deadlock
            results.append((args, process.returncode, out, err))
    for args, code, _out, err in results:
        assert "Traceback" not in err, (args, err)
        if args[0] in READ_ONLY and code == 1:
            # Started before any writer created the file: commands that only read never
            # create a database, they say so in one line.
            assert err.endswith(
                ": no such database; create it with `earmark run` (or `earmark "
                "listen`), or point --db or EARMARK_DB at yours\n"
            ), (args, err)
            continue
        assert code in ((0, 75) if args == ("run",) else (0,)), (args, code, err)
    assert sorted(code for args, code, _, _ in results if args == ("run",)) in ([0, 0], [0, 75])
    with db_connect(db) as conn:
        versions = [row[0] for row in conn.execute(f"SELECT version FROM {MIGRATIONS_TABLE}")]
        assert versions == list(range(1, SCHEMA_VERSION + 1))
        assert conn.execute("SELECT count(*) FROM posts").fetchone() == (
            16,
        )  # those matching a topic
